package exporters

import (
	"fmt"
	"math"
	"strings"
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
	State         estimator.Status `json:"state"`
	DriftBoundPPM float64          `json:"drift_bound_ppm"`
	// DriftModel says what drift_bound_ppm, and so the growth of the
	// bound with time, relies on: "intervals" (proven by the samples),
	// "envelope" (the one-way delays' envelopes, assuming each path's
	// minimum delay is constant between detected route changes) or
	// "none" (nothing measured).
	DriftModel estimator.DriftModel `json:"drift_model"`
	BoundParts BoundParts           `json:"bound_parts"`
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
	Name              string                 `json:"name"`
	Kind              estimator.Kind         `json:"kind"`
	Address           string                 `json:"address"`
	Reachable         bool                   `json:"reachable"`
	Selected          bool                   `json:"selected"`
	OffsetSeconds     float64                `json:"offset_seconds"`
	DelaySeconds      float64                `json:"delay_seconds"`
	ErrorBoundSeconds float64                `json:"error_bound_seconds"`
	Stratum           uint8                  `json:"stratum"`
	LastSample        *time.Time             `json:"last_sample"`
	Status            estimator.SourceStatus `json:"status"`

	LastOffsetSeconds float64                     `json:"last_offset_seconds"`
	BoundParts        BoundParts                  `json:"bound_parts"`
	Timestamping      string                      `json:"timestamping,omitempty"`
	Results           map[estimator.Result]uint64 `json:"results"`
	Reason            string                      `json:"reason,omitempty"`

	// PollSeconds is the time between polls of the source (chronyc
	// sources' Poll, in seconds rather than its log2); 0 before it said.
	PollSeconds float64 `json:"poll_seconds"`
	// Reach is NTP's reachability register, 0 to 255: one bit per poll,
	// the newest in bit 0, set when the poll gave a usable sample. chronyc
	// prints it in octal (377: the last eight polls all answered).
	Reach uint8 `json:"reach"`
	// Leap is the leap status the source announced in its newest sample:
	// "normal", "insert_second", "delete_second"; absent before a sample.
	Leap string `json:"leap,omitempty"`
	// ReferenceID is the NTP reference ID of the source's newest sample as
	// 8 hex digits, as chronyc prints it ("C0000201"), and Reference the
	// same in words: an IPv4 address, or a stratum-1 source's ASCII name
	// ("GPS"). Both are absent for sources without one (PTP, a PHC).
	ReferenceID string `json:"reference_id,omitempty"`
	Reference   string `json:"reference,omitempty"`
	// Authentication is how the source's measurements are authenticated:
	// "nts", "symmetric" or "none".
	Authentication string `json:"authentication"`
	// Auth counts the authentication events of an authenticated source;
	// absent for the others.
	Auth *SourceAuth `json:"auth,omitempty"`
}

// SourceAuth counts the authentication events of one source.
type SourceAuth struct {
	// NTS key exchanges that succeeded and that failed.
	KeyExchanges        uint64 `json:"key_exchanges"`
	KeyExchangeFailures uint64 `json:"key_exchange_failures"`
	// BadMACs counts replies refused because they failed authentication:
	// tampered with, forged, or keyed differently.
	BadMACs uint64 `json:"bad_macs"`
	// CookieRefreshes counts fresh NTS cookies received in replies.
	CookieRefreshes uint64 `json:"cookie_refreshes"`
	// NAKs counts NTS NAKs and crypto-NAKs: the server refused our cookie
	// or key.
	NAKs uint64 `json:"naks"`
	// Cookies is how many unspent NTS cookies the source holds.
	Cookies int `json:"cookies"`
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
		DriftModel:        e.DriftModel,
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
		s.Sources = append(s.Sources, newSource(src))
	}
	return s
}

// newSource converts one source's estimate.
func newSource(src estimator.SourceEstimate) Source {
	s := Source{
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
		PollSeconds:       src.Poll.Seconds(),
		Reach:             src.Reach,
		Authentication:    AuthenticationOf(src.SourceInfo),
	}
	if s.Authentication != estimator.AuthNone {
		a := src.Auth
		s.Auth = &SourceAuth{KeyExchanges: a.KeyExchanges, KeyExchangeFailures: a.KEFailures, BadMACs: a.BadMACs,
			CookieRefreshes: a.CookieRefreshes, NAKs: a.NAKs, Cookies: a.Cookies}
	}
	s.setReference(src)
	return s
}

// AuthenticationOf is how a source is authenticated: "nts", "symmetric"
// or "none" (also for sources that say nothing).
func AuthenticationOf(info estimator.SourceInfo) string {
	if info.Authentication == "" {
		return estimator.AuthNone
	}
	return info.Authentication
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

// setReference fills the leap status and reference ID from the source's
// newest sample, if it has one.
func (s *Source) setReference(src estimator.SourceEstimate) {
	if src.LastSample.IsZero() {
		return
	}
	s.Leap = src.Leap.String()
	if src.ReferenceID != 0 {
		s.ReferenceID = fmt.Sprintf("%08X", src.ReferenceID)
		s.Reference = ReferenceName(src.ReferenceID, src.Stratum)
	}
}

// ReferenceName reads an NTP reference ID as NTP defines it: four ASCII
// characters at stratum 0 and 1 ("GPS", "PPS"), an IPv4 address above
// (for an IPv6 reference the address's hash, which reads as one).
func ReferenceName(id uint32, stratum uint8) string {
	b := [4]byte{byte(id >> 24), byte(id >> 16), byte(id >> 8), byte(id)}
	if stratum > 1 {
		return fmt.Sprintf("%d.%d.%d.%d", b[0], b[1], b[2], b[3])
	}
	name := strings.TrimRight(string(b[:]), "\x00")
	for _, r := range name {
		if r < 0x20 || r > 0x7e {
			return fmt.Sprintf("%08X", id)
		}
	}
	return name
}
