package tracecorrect

import (
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// batchIndex lists the spans of a set of batches grouped by trace, with the
// host each span was recorded on.
type batchIndex struct {
	spans     []ptrace.Span
	hostOf    []int32 // per span: index into hostNames
	hostNames []string
	order     []int32 // span indices grouped by trace
	traceEnd  []int32 // trace k is order[traceEnd[k-1]:traceEnd[k]]
}

// newBatchIndex indexes every span of batches; hostAttribute names the
// resource attribute that identifies the host.
func newBatchIndex(hostAttribute string, batches []ptrace.Traces) *batchIndex {
	n := 0
	for _, td := range batches {
		n += td.SpanCount()
	}
	ix := &batchIndex{spans: make([]ptrace.Span, 0, n), hostOf: make([]int32, 0, n)}
	hostIDs := map[string]int32{}
	traceIDs := map[pcommon.TraceID]int32{}
	traceOf := make([]int32, 0, n)
	var sizes []int32
	for _, td := range batches {
		rss := td.ResourceSpans()
		for i := range rss.Len() {
			rs := rss.At(i)
			host := ix.hostID(hostIDs, hostName(rs.Resource(), hostAttribute))
			sss := rs.ScopeSpans()
			for j := range sss.Len() {
				spans := sss.At(j).Spans()
				for k := range spans.Len() {
					span := spans.At(k)
					t, ok := traceIDs[span.TraceID()]
					if !ok {
						t = int32(len(sizes))
						traceIDs[span.TraceID()] = t
						sizes = append(sizes, 0)
					}
					sizes[t]++
					ix.spans = append(ix.spans, span)
					ix.hostOf = append(ix.hostOf, host)
					traceOf = append(traceOf, t)
				}
			}
		}
	}
	ix.groupByTrace(traceOf, sizes)
	return ix
}

// hostID returns the index of host in hostNames, adding it if new.
func (ix *batchIndex) hostID(ids map[string]int32, host string) int32 {
	id, ok := ids[host]
	if !ok {
		id = int32(len(ix.hostNames))
		ids[host] = id
		ix.hostNames = append(ix.hostNames, host)
	}
	return id
}

// groupByTrace fills order and traceEnd with a counting sort of the spans
// by trace.
func (ix *batchIndex) groupByTrace(traceOf, sizes []int32) {
	ix.traceEnd = make([]int32, len(sizes))
	next := make([]int32, len(sizes))
	var end int32
	for t, size := range sizes {
		next[t] = end
		end += size
		ix.traceEnd[t] = end
	}
	ix.order = make([]int32, len(traceOf))
	for s, t := range traceOf {
		ix.order[next[t]] = int32(s)
		next[t]++
	}
}

// largestTrace is the number of spans of the largest trace.
func (ix *batchIndex) largestTrace() int {
	largest, from := int32(0), int32(0)
	for _, end := range ix.traceEnd {
		largest, from = max(largest, end-from), end
	}
	return int(largest)
}

// traceCount is the number of traces.
func (ix *batchIndex) traceCount() int { return len(ix.traceEnd) }

// trace returns the span indices of trace k.
func (ix *batchIndex) trace(k int) []int32 {
	var from int32
	if k > 0 {
		from = ix.traceEnd[k-1]
	}
	return ix.order[from:ix.traceEnd[k]]
}

// hostName is the value of the resource's host attribute, "" when absent.
func hostName(res pcommon.Resource, attribute string) string {
	v, ok := res.Attributes().Get(attribute)
	if !ok {
		return ""
	}
	if v.Type() == pcommon.ValueTypeStr {
		return v.Str()
	}
	return v.AsString()
}
