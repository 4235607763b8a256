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
	BoundParts    BoundParts `json:"bound_parts"`
	// OffsetInterval is where the sources agree the true offset lies;
	// absent while nothing is known.
	OffsetInterval *OffsetInterval `json:"offset_interval,omitempty"`
	LastSample     *time.Time      `json:"last_sample"`
	Steps          uint64          `json:"steps"`
	LastStep       *Step           `json:"last_step,omitempty"`
}

// OffsetInterval holds the true offset, in seconds: inside offset ± error
// bound, and narrower on one side when the offset sits off its centre.
type OffsetInterval struct {
	MinSeconds float64 `json:"min_seconds"`
	MaxSeconds float64 `json:"max_seconds"`
}

// BoundParts says where an error bound comes from; the parts add up to it.
type BoundParts struct {
	MeasurementSeconds  float64 `json:"measurement_seconds"`
	RootDistanceSeconds float64 `json:"root_distance_seconds"`
	DriftGrowthSeconds  float64 `json:"drift_growth_seconds"`
	SelectionSeconds    float64 `json:"selection_seconds"`
}

// Step is the last detected step of the local clock or the reference.
type Step struct {
	Time        time.Time `json:"time"`
	SizeSeconds float64   `json:"size_seconds"`
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
	BoundParts        BoundParts        `json:"bound_parts"`
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
		BoundParts:        newBoundParts(e.BoundParts),
		State:             e.Status,
		LastSample:        optionalTime(e.LastSample),
		Steps:             e.Steps,
		Sources:           make([]Source, 0, len(e.Sources)),
	}
	if e.HasOffset() {
		s.OffsetInterval = &OffsetInterval{MinSeconds: e.OffsetMin.Seconds(), MaxSeconds: e.OffsetMax.Seconds()}
	}
	if !e.LastStep.At.IsZero() {
		s.LastStep = &Step{Time: e.LastStep.At, SizeSeconds: e.LastStep.Size.Seconds()}
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
			BoundParts:        newBoundParts(src.BoundParts),
			Timestamping:      src.Timestamping,
			Results:           src.Results,
			Reason:            src.Reason,
		})
	}
	return s
}

func newBoundParts(p estimator.BoundParts) BoundParts {
	return BoundParts{
		MeasurementSeconds:  boundSeconds(p.Measurement),
		RootDistanceSeconds: boundSeconds(p.RootDistance),
		DriftGrowthSeconds:  boundSeconds(p.DriftGrowth),
		SelectionSeconds:    boundSeconds(p.Selection),
	}
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
