package exporters

import (
	"math"
	"time"

	"github.com/clockwatch/clockwatch/estimator"
)

// Status is the JSON document of GET /api/v1/status. The field names are a
// contract: clients and scripts read them; add fields, never rename.
type Status struct {
	Time              time.Time `json:"time"`
	Synchronized      bool      `json:"synchronized"`
	OffsetSeconds     float64   `json:"offset_seconds"`
	ErrorBoundSeconds float64   `json:"error_bound_seconds"`
	DriftPPM          float64   `json:"drift_ppm"`
	Sources           []Source  `json:"sources"`

	// State is "synchronized", "holdover" or "unsynchronized".
	State         string     `json:"state"`
	DriftBoundPPM float64    `json:"drift_bound_ppm"`
	LastSample    *time.Time `json:"last_sample"`
	Steps         uint64     `json:"steps"`
}

// Source is one source in Status.
type Source struct {
	Name              string     `json:"name"`
	Kind              string     `json:"kind"`
	Address           string     `json:"address"`
	Reachable         bool       `json:"reachable"`
	Selected          bool       `json:"selected"`
	OffsetSeconds     float64    `json:"offset_seconds"`
	DelaySeconds      float64    `json:"delay_seconds"`
	ErrorBoundSeconds float64    `json:"error_bound_seconds"`
	Stratum           uint8      `json:"stratum"`
	LastSample        *time.Time `json:"last_sample"`
	Status            string     `json:"status"`

	LastOffsetSeconds float64           `json:"last_offset_seconds"`
	Timestamping      string            `json:"timestamping,omitempty"`
	Results           map[string]uint64 `json:"results"`
	Reason            string            `json:"reason,omitempty"`
}

// maxJSONBound stands for an unknown bound in JSON, which has no infinity:
// about 292 years.
var maxJSONBound = estimator.UnknownBound.Seconds()

// NewStatus converts an estimate to its JSON form.
func NewStatus(e estimator.Estimate) Status {
	s := Status{
		Time:              e.Time,
		Synchronized:      e.Synchronized,
		OffsetSeconds:     e.Offset.Seconds(),
		ErrorBoundSeconds: boundSeconds(e.ErrorBound),
		DriftPPM:          e.Drift * 1e6,
		DriftBoundPPM:     e.DriftBound * 1e6,
		State:             e.Status,
		LastSample:        optionalTime(e.LastSample),
		Steps:             e.Steps,
		Sources:           make([]Source, 0, len(e.Sources)),
	}
	for _, src := range e.Sources {
		s.Sources = append(s.Sources, Source{
			Name:              src.Name,
			Kind:              src.Kind,
			Address:           src.Address,
			Reachable:         src.Reachable,
			Selected:          src.Selected,
			OffsetSeconds:     src.Offset.Seconds(),
			DelaySeconds:      src.Delay.Seconds(),
			ErrorBoundSeconds: boundSeconds(src.ErrorBound),
			Stratum:           src.Stratum,
			LastSample:        optionalTime(src.LastSample),
			Status:            src.Status,
			LastOffsetSeconds: src.LastOffset.Seconds(),
			Timestamping:      src.Timestamping,
			Results:           src.Results,
			Reason:            src.Reason,
		})
	}
	return s
}

// boundSeconds converts a bound, keeping an unknown one finite for JSON.
func boundSeconds(d time.Duration) float64 {
	return math.Min(d.Seconds(), maxJSONBound)
}

func optionalTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}
