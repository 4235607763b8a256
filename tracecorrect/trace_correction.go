package tracecorrect

import (
	"math"
	"slices"
	"time"

	"github.com/clockwatch/clockwatch/internal/saturate"
)

// hostState is what the correction of one trace knows about one of its hosts.
type hostState struct {
	tl       *timeline // nil when the host is unmeasured in this trace
	bound    int64     // error bound over the host's spans, or unbounded
	from, to int64     // earliest start and latest end of its spans
}

// traceCorrection corrects traces one at a time, reusing its buffers.
type traceCorrection struct {
	opts   Options
	growth boundGrowth
	table  *hostTable
	view   *traceView
	hosts  []hostState
	bounds []int64 // per trace host: hosts[h].bound, as the solver takes it
	prefer []int64 // per trace host: shift before causality resolution
	shift  []int64 // per trace host: final causality shift
	placed []bool
	lo, hi []int64
	cons   []shiftConstraint
	consAt map[uint64]int32
	terms  []rpcTerm
	sum    Summary
}

// newTraceCorrection prepares the correction of traces whose hosts table
// names, with c's options.
func newTraceCorrection(c *Corrector, table *hostTable) *traceCorrection {
	return &traceCorrection{
		opts:   c.opts,
		growth: c.growth,
		table:  table,
		view:   newTraceView(),
		consAt: map[uint64]int32{},
	}
}

// reset starts a new summary.
func (tc *traceCorrection) reset() { tc.sum = Summary{} }

// correct corrects the trace made of the spans refs.
func (tc *traceCorrection) correct(refs []spanRef) {
	v := tc.view
	v.load(refs, len(tc.table.names))
	tc.sum.Traces++
	tc.sum.Spans += len(v.spans)
	tc.sum.ViolationsBefore += v.countViolations(true)
	tc.measureHosts()
	tc.applyOffsets()
	tc.buildConstraints()
	tc.placeUnmeasured()
	if tc.resolveCausality() && !tc.opts.MinimalShifts {
		tc.centerRPCs()
	}
	tc.writeBack()
	tc.sum.ViolationsAfter += v.countViolations(false)
}

// measureHosts decides per host whether its offsets cover this trace, and
// the bound that holds over all of its spans.
func (tc *traceCorrection) measureHosts() {
	v := tc.view
	tc.hosts = slices.Grow(tc.hosts[:0], len(v.hosts))[:len(v.hosts)]
	for h := range tc.hosts {
		tc.hosts[h] = hostState{from: math.MaxInt64, to: math.MinInt64}
	}
	for i := range v.spans {
		s := &v.spans[i]
		hs := &tc.hosts[s.host]
		hs.from, hs.to = min(hs.from, s.start), max(hs.to, s.end)
	}
	maxAge := int64(tc.opts.MaxAge)
	for h := range tc.hosts {
		hs := &tc.hosts[h]
		tl := tc.table.timelines[v.hosts[h]]
		if tl == nil || min(tl.age(hs.from), tl.age(max(hs.to, hs.from))) > maxAge {
			hs.bound = unbounded
			tc.table.unmeasured[v.hosts[h]] = true
			continue
		}
		hs.tl = tl
		hs.bound = tl.minBound(hs.from, hs.to, tc.growth)
	}
}

// applyOffsets moves every time of a measured host by the host's offset at
// that time: corrected = recorded − offset.
func (tc *traceCorrection) applyOffsets() {
	v := tc.view
	for i := range v.spans {
		s := &v.spans[i]
		if tl := tc.hosts[s.host].tl; tl != nil {
			s.cstart = tc.correctTime(tl, s.start)
			s.cend = tc.correctTime(tl, s.end)
		}
	}
}

// correctTime subtracts the offset at host time t.
func (tc *traceCorrection) correctTime(tl *timeline, t int64) int64 {
	offset, _ := tl.lookup(t, tc.growth)
	return saturate.Sub(t, offset)
}

// summary returns what the correction did so far.
func (tc *traceCorrection) summary() Summary {
	s := tc.sum
	s.UnmeasuredHosts = tc.table.unmeasuredNames()
	return s
}

// absDuration is |d| in nanoseconds, saturating.
func absDuration(d int64) time.Duration {
	if d < 0 {
		d = saturate.Sub(0, d)
	}
	return time.Duration(d)
}
