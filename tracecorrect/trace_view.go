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
	hosts []int32 // trace-local host → hostTable number
	slot  []int32 // hostTable number → trace-local host, −1 when absent
	ids   map[pcommon.SpanID]int32
}

// newTraceView makes an empty view.
func newTraceView() *traceView {
	return &traceView{ids: map[pcommon.SpanID]int32{}}
}

// load fills the view with the spans of one trace and links each span to
// its parent; hostCount is the number of hosts of the hostTable.
func (v *traceView) load(refs []spanRef, hostCount int) {
	for _, h := range v.hosts {
		v.slot[h] = -1
	}
	for len(v.slot) < hostCount {
		v.slot = append(v.slot, -1)
	}
	v.hosts = v.hosts[:0]
	v.spans = v.spans[:0]
	clear(v.ids)
	for _, ref := range refs {
		span := ref.span
		start, end := nanos(span.StartTimestamp()), nanos(span.EndTimestamp())
		id := span.SpanID()
		if _, dup := v.ids[id]; !dup {
			v.ids[id] = int32(len(v.spans))
		}
		v.spans = append(v.spans, traceSpan{
			span: span, parentID: span.ParentSpanID(), parent: -1,
			host: v.localHost(ref.host), kind: span.Kind(),
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

// localHost maps a hostTable number to the trace-local one, adding it.
func (v *traceView) localHost(host int32) int32 {
	if v.slot[host] < 0 {
		v.slot[host] = int32(len(v.hosts))
		v.hosts = append(v.hosts, host)
	}
	return v.slot[host]
}

// nanos converts a timestamp to int64 nanoseconds, saturating.
func nanos(ts pcommon.Timestamp) int64 {
	return int64(min(uint64(ts), math.MaxInt64))
}

// timestamp converts nanoseconds back, clamping below the epoch to 0.
func timestamp(ns int64) pcommon.Timestamp {
	return pcommon.Timestamp(max(ns, 0))
}
