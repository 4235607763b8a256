package tracecorrect

import (
	"fmt"
	"math"
	"slices"
	"sync"
	"time"

	"go.opentelemetry.io/collector/pdata/ptrace"
)

// Attributes written on the spans a correction touches.
const (
	// AttrCorrection is the number of nanoseconds added to the span's
	// start time (negative: moved earlier).
	AttrCorrection = "clockwatch.correction_ns"
	// AttrEndCorrection is the number of nanoseconds added to the span's
	// end time, written only when it differs from AttrCorrection (the
	// host's offset changed during the span).
	AttrEndCorrection = "clockwatch.end_correction_ns"
	// AttrCorrectionSource says what the correction was based on: one of
	// the CorrectionSource values.
	AttrCorrectionSource = "clockwatch.correction_source"
)

// Values of AttrCorrectionSource.
const (
	// CorrectionSourceOffset: the host's measured offset alone.
	CorrectionSourceOffset = "offset"
	// CorrectionSourceOffsetAndCausality: the measured offset, then a
	// shift within the host's error bound to restore causality.
	CorrectionSourceOffsetAndCausality = "offset+causality"
	// CorrectionSourceCausality: no offset was measured for the host, so
	// the span was moved by causality alone, or not at all.
	CorrectionSourceCausality = "causality"
	// CorrectionSourceBaseline: moved by AdjustCausalityOnly.
	CorrectionSourceBaseline = "causality-only-baseline"
)

// Defaults of Options.
const (
	// DefaultHostAttribute is the OpenTelemetry resource attribute for the
	// host name.
	DefaultHostAttribute = "host.name"
	// DefaultDriftAllowance (100 ppm) is how fast an error bound grows
	// before the first and after the last measurement, where the offset
	// is held: a free-running crystal's worst drift.
	DefaultDriftAllowance = 100e-6
	// DefaultWanderAllowance (1 ppm) is how fast an error bound grows
	// between two measurements, where the interpolation follows the drift
	// and only a change of it adds error.
	DefaultWanderAllowance = 1e-6
	// DefaultMaxAge is how far from its nearest measurement a host still
	// counts as measured.
	DefaultMaxAge = 15 * time.Minute
)

// DefaultHostAttributes are the resource attributes that name a span's
// host, in the order they are tried: Jaeger's (host.id, host.ip,
// host.name), then Kubernetes' node name.
var DefaultHostAttributes = []string{"host.id", "host.ip", DefaultHostAttribute, "k8s.node.name"}

// Options tune a Corrector; zero fields take the defaults.
type Options struct {
	// HostAttributes are the resource attributes whose value names the
	// host in Offsets, tried in turn: a span's host is the value of the
	// first of them that names a host with offsets or, when none does,
	// the value of the first present. Default: DefaultHostAttributes, or
	// HostAttribute alone when that is set.
	HostAttributes []string
	// HostAttribute, when HostAttributes is empty, is the only resource
	// attribute that names the host.
	HostAttribute string
	// DriftAllowance is the rate (a ratio) at which an error bound grows
	// with the distance to the first or last measurement, outside them.
	DriftAllowance float64
	// WanderAllowance is the rate (a ratio) at which an error bound grows
	// with the distance to the nearest measurement, between two of them.
	WanderAllowance float64
	// MaxAge is how far a host's spans in a trace may be from its nearest
	// measurement for its offsets to be used.
	MaxAge time.Duration
	// MinimalShifts stops after removing violations, each host shifted
	// as little as its bound weighs it. By default each host's shift then
	// moves, within the bounds and causality, to the best estimate that
	// weighs its measured offset against the timing of its CLIENT–SERVER
	// calls: each server centred in its client as when request and
	// response take equally long, weighted by how little network time the
	// call leaves. That matters when bounds are wider than network delays.
	MinimalShifts bool
}

// withDefaults fills the zero fields of o.
func (o Options) withDefaults() Options {
	switch {
	case len(o.HostAttributes) > 0:
		o.HostAttributes = slices.Clone(o.HostAttributes)
	case o.HostAttribute != "":
		o.HostAttributes = []string{o.HostAttribute}
	default:
		o.HostAttributes = slices.Clone(DefaultHostAttributes)
	}
	if o.DriftAllowance == 0 {
		o.DriftAllowance = DefaultDriftAllowance
	}
	if o.WanderAllowance == 0 {
		o.WanderAllowance = DefaultWanderAllowance
	}
	if o.MaxAge == 0 {
		o.MaxAge = DefaultMaxAge
	}
	return o
}

// Corrector corrects span timestamps with measured host offsets and
// causality. It is safe for concurrent use.
type Corrector struct {
	opts      Options
	growth    boundGrowth
	timelines map[string]*timeline
	work      sync.Pool // of *correctionWork
}

// correctionWork is the state of one Correct call, pooled so that a
// stream of batches reuses its buffers.
type correctionWork struct {
	hosts *hostTable
	index batchIndex
	tc    *traceCorrection
}

// NewCorrector prepares offsets for correction.
func NewCorrector(offsets Offsets, opts Options) (*Corrector, error) {
	if err := offsets.Validate(); err != nil {
		return nil, err
	}
	opts = opts.withDefaults()
	for _, r := range []float64{opts.DriftAllowance, opts.WanderAllowance} {
		if math.IsNaN(r) || r < 0 || r >= 1 {
			return nil, fmt.Errorf("drift or wander allowance %v: want a ratio in [0, 1), such as 100e-6", r)
		}
	}
	if opts.MaxAge < 0 {
		return nil, fmt.Errorf("max age %v: want a positive duration", opts.MaxAge)
	}
	c := &Corrector{
		opts:      opts,
		growth:    boundGrowth{Wander: opts.WanderAllowance, Drift: opts.DriftAllowance},
		timelines: make(map[string]*timeline, len(offsets)),
	}
	for host, ms := range offsets {
		if len(ms) > 0 {
			c.timelines[host] = newTimeline(ms)
		}
	}
	for _, attr := range opts.HostAttributes {
		if attr == "" {
			return nil, fmt.Errorf("host attributes %q: an empty name; want resource attribute names such as %q", opts.HostAttributes, DefaultHostAttribute)
		}
	}
	return c, nil
}

// newWork makes the state of a correction with c's offsets.
func (c *Corrector) newWork() *correctionWork {
	hosts := newHostTable(c.opts.HostAttributes, c.timelines)
	return &correctionWork{hosts: hosts, tc: newTraceCorrection(c, hosts)}
}

// Correct corrects every span of batches in place, trace by trace; spans of
// one trace may be spread over several batches. It returns what changed.
// Besides the attributes it adds, it needs about 60 bytes per span of
// batches for its index and work buffers sized to the largest trace, kept
// from call to call.
func (c *Corrector) Correct(batches ...ptrace.Traces) Summary {
	w, _ := c.work.Get().(*correctionWork)
	if w == nil {
		w = c.newWork()
	}
	defer c.work.Put(w)
	defer w.index.release()
	w.hosts.reset()
	w.tc.reset()
	w.index.index(w.hosts, batches)
	for k := range w.index.traceCount() {
		w.tc.correct(w.index.trace(k))
	}
	return w.tc.summary()
}
