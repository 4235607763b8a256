package tracecorrect

import (
	"math"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// traceSpan is one span of the trace being worked on.
type traceSpan struct {
	span     ptrace.Span
	parentID pcommon.SpanID
	parent   int32 // index in the trace, −1 for none
	host     int32 // trace-local host index
	kind     ptrace.SpanKind
	// start and end are as recorded; cstart and cend are the working
	// (corrected) times.
	start, end   int64
	cstart, cend int64
}

// traceView holds one trace's spans and hosts. Its buffers are reused from
// trace to trace, so its memory follows the largest trace.
type traceView struct {
	spans []traceSpan
	hosts []int32 // trace-local host → batch host index
	slot  []int32 // batch host index → trace-local host, −1 when absent
	ids   map[pcommon.SpanID]int32
}

// newTraceView makes a view for the traces of ix, sized once for the
// largest.
func newTraceView(ix *batchIndex) *traceView {
	largest := ix.largestTrace()
	v := &traceView{
		spans: make([]traceSpan, 0, largest),
		slot:  make([]int32, len(ix.hostNames)),
		ids:   make(map[pcommon.SpanID]int32, largest),
	}
	for i := range v.slot {
		v.slot[i] = -1
	}
	return v
}

// load fills the view with the spans members of ix and links each span to
// its parent.
func (v *traceView) load(ix *batchIndex, members []int32) {
	for _, h := range v.hosts {
		v.slot[h] = -1
	}
	v.hosts = v.hosts[:0]
	v.spans = v.spans[:0]
	clear(v.ids)
	for _, m := range members {
		span := ix.spans[m]
		start, end := nanos(span.StartTimestamp()), nanos(span.EndTimestamp())
		id := span.SpanID()
		if _, dup := v.ids[id]; !dup {
			v.ids[id] = int32(len(v.spans))
		}
		v.spans = append(v.spans, traceSpan{
			span: span, parentID: span.ParentSpanID(), parent: -1,
			host: v.localHost(ix.hostOf[m]), kind: span.Kind(),
			start: start, end: end, cstart: start, cend: end,
		})
	}
	for i := range v.spans {
		s := &v.spans[i]
		if p, ok := v.ids[s.parentID]; ok && !s.parentID.IsEmpty() && p != int32(i) {
			s.parent = p
		}
	}
}

// localHost maps a batch host index to the trace-local one, adding it.
func (v *traceView) localHost(batchHost int32) int32 {
	if v.slot[batchHost] < 0 {
		v.slot[batchHost] = int32(len(v.hosts))
		v.hosts = append(v.hosts, batchHost)
	}
	return v.slot[batchHost]
}

// nanos converts a timestamp to int64 nanoseconds, saturating.
func nanos(ts pcommon.Timestamp) int64 {
	return int64(min(uint64(ts), math.MaxInt64))
}

// timestamp converts nanoseconds back, clamping below the epoch to 0.
func timestamp(ns int64) pcommon.Timestamp {
	return pcommon.Timestamp(max(ns, 0))
}
