package estimator

import (
	"math"
	"time"

	"github.com/clockwatch/clockwatch/internal/saturate"
)

// UnknownBound is the error bound reported when nothing is known about the
// offset: no source has ever answered.
const UnknownBound = time.Duration(math.MaxInt64)

// Status is the state of the estimate as a whole; its value is the state
// of the API and the clock file.
type Status string

// Status of the estimate as a whole.
const (
	// StatusSynchronized: a majority of sources agrees and has answered
	// recently.
	StatusSynchronized Status = "synchronized"
	// StatusHoldover: every source went quiet; the estimate is carried
	// forward with the drift and a growing bound.
	StatusHoldover Status = "holdover"
	// StatusUnsynchronized: no majority of sources agrees, nothing has been
	// measured yet, or holdover lasted longer than Config.HoldoverMax.
	StatusUnsynchronized Status = "unsynchronized"
)

// DriftModel names what the drift interval relies on, and so every bound
// that grows with the age of a sample: the bound of every estimate, and
// most of all in holdover.
type DriftModel string

// Drift models.
const (
	// DriftModelNone: nothing is measured; the drift is only known to
	// lie within ±MaxFrequencyTolerance.
	DriftModelNone DriftModel = "none"
	// DriftModelIntervals: the drift is proven by the samples alone: a
	// straight line of offset over time passes through every sample's
	// interval. It narrows only as (interval width)/(time span).
	DriftModelIntervals DriftModel = "intervals"
	// DriftModelEnvelope: the drift is the slope of the envelopes of the
	// one-way delays (the exchanges that queued least), which is far
	// narrower. It relies on an assumption, not a proof: each path's
	// minimum delay is constant between the route changes the estimator
	// detects. It is used only while both directions of each source and a
	// majority of the sources agree on it and it lies inside the drift
	// the intervals prove; otherwise the model is DriftModelIntervals.
	DriftModelEnvelope DriftModel = "envelope"
)

// SourceStatus is the state of one source; its value is the status label
// of the metrics and the API.
type SourceStatus string

// Status of one source.
const (
	SourceSelected    SourceStatus = "selected"    // agrees with the majority and is combined
	SourceCandidate   SourceStatus = "candidate"   // usable, but not combined (no majority, or a peer)
	SourceFalseticker SourceStatus = "falseticker" // disagrees with the majority
	SourceUnreachable SourceStatus = "unreachable" // no answer to its last 8 polls
	SourceKoD         SourceStatus = "kod"         // the server told us to stop (kiss-o'-death)
	SourceInit        SourceStatus = "init"        // not polled yet
	// SourceUnauthenticated is a source left out because authentication
	// is required (Config.RequireAuthentication) and it has none.
	SourceUnauthenticated SourceStatus = "unauthenticated"
)

// Estimate is the estimator's view of the local clock at one instant. Every
// sink (metrics, HTTP API, shared memory, state file) reads this type.
type Estimate struct {
	// Time is the local clock reading the estimate refers to.
	Time time.Time
	// Status is one of StatusSynchronized, StatusHoldover and
	// StatusUnsynchronized.
	Status Status
	// Synchronized is true while Status is synchronized or holdover.
	Synchronized bool
	// Offset is local clock minus true time at Time.
	Offset time.Duration
	// ErrorBound bounds |true offset − Offset|; UnknownBound when nothing
	// is known.
	ErrorBound time.Duration
	// BoundParts says where ErrorBound comes from; the parts add up to it.
	BoundParts BoundParts
	// OffsetMin and OffsetMax are the interval the sources agree holds
	// the true offset; Offset ± ErrorBound contains it. It is narrower on
	// one side when the estimate sits off its centre (the best sources'
	// paths are asymmetric), so it is the tightest statement of where the
	// truth lies. Zero when nothing is known.
	OffsetMin, OffsetMax time.Duration
	// Drift is the rate of change of Offset (positive: the local clock runs
	// fast); DriftBound bounds |true drift − Drift|.
	Drift      float64
	DriftBound float64
	// DriftModel says what DriftBound, and so the growth of ErrorBound
	// with the age of the samples, relies on.
	DriftModel DriftModel
	// LastSample is the local time of the newest sample of a selected
	// source.
	LastSample time.Time
	// Steps counts the times the offset moved further than its bound
	// allowed: the local clock or the reference stepped. A step is counted
	// once every source has answered since it (usually one poll later);
	// until then the bound spans the offset before and after it.
	Steps uint64
	// LastStep is the most recent step counted; zero if none.
	LastStep StepEvent
	// Sources lists every configured source, in configuration order.
	Sources []SourceEstimate
}

// SourceEstimate is what the estimator knows about one source.
type SourceEstimate struct {
	SourceInfo
	// Status is one of the Source* constants.
	Status    SourceStatus
	Selected  bool
	Reachable bool
	// Offset and ErrorBound are this source's filtered view of the local
	// clock at the estimate's time; Delay and Stratum come from its newest
	// sample.
	Offset     time.Duration
	ErrorBound time.Duration
	// BoundParts says where this source's ErrorBound comes from.
	BoundParts BoundParts
	Delay      time.Duration
	Stratum    uint8
	// LastSample is the local time of the newest sample; zero if none.
	LastSample time.Time
	// LastOffset is the raw offset of the newest sample.
	LastOffset time.Duration
	// Timestamping of the newest sample: "hardware", "kernel" or "user".
	Timestamping string
	// Results counts polls by outcome ("ok", "timeout", "kod", ...). The
	// map is shared between estimates: read it, never change it.
	Results map[Result]uint64
	// Reason explains a kod or unreachable status in words.
	Reason string
	// Reach is NTP's reachability register: one bit per poll, the newest
	// in bit 0, set when the poll gave a usable sample (chronyc prints it
	// in octal: 377 is eight good polls).
	Reach uint8
	// Poll is the source's poll interval, as its last observation said;
	// zero if it never said.
	Poll time.Duration
	// Leap and ReferenceID come from the newest sample.
	Leap        Leap
	ReferenceID uint32
	// Auth counts the source's authentication events (all zero when it
	// is not authenticated; SourceInfo.Authentication says how it is).
	Auth AuthCounters
}

// HasOffset reports whether the estimate knows anything about the offset.
func (e Estimate) HasOffset() bool { return e.ErrorBound != UnknownBound }

// At carries the estimate forward to local time t: the offset moves with the
// drift and the bound grows with the drift's uncertainty. Sinks use it to
// serve an estimate computed a moment ago.
func (e Estimate) At(t time.Time) Estimate {
	if !e.HasOffset() || e.Time.IsZero() {
		e.Time = t
		return e
	}
	dt := float64(t.Sub(e.Time))
	growth := time.Duration(math.Ceil(e.DriftBound * math.Abs(dt)))
	shift := time.Duration(math.Round(e.Drift * dt))
	e.Offset += shift
	e.OffsetMin += shift - growth
	e.OffsetMax += shift + growth
	e.ErrorBound = saturate.Add(e.ErrorBound, growth)
	e.BoundParts.DriftGrowth = saturate.Add(e.BoundParts.DriftGrowth, growth)
	e.Time = t
	return e
}
