package tracecorrect

import (
	"slices"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// spanRef is one span and the number of its host in a hostTable.
type spanRef struct {
	span ptrace.Span
	host int32
}

// batchIndex lists the spans of a set of batches grouped by trace, with the
// host each span was recorded on. Its buffers are reused from one set of
// batches to the next.
type batchIndex struct {
	refs     []spanRef // grouped by trace
	traceIDs []pcommon.TraceID
	traceEnd []int32 // trace k is refs[traceEnd[k-1]:traceEnd[k]]
	// work buffers
	unsorted []spanRef
	traceOf  []int32
	next     []int32
	groups   map[pcommon.TraceID]int32
}

// index fills ix with every span of batches, naming hosts in hosts.
func (ix *batchIndex) index(hosts *hostTable, batches []ptrace.Traces) {
	if ix.groups == nil {
		ix.groups = map[pcommon.TraceID]int32{}
	}
	clear(ix.groups)
	ix.unsorted, ix.traceOf = ix.unsorted[:0], ix.traceOf[:0]
	ix.traceIDs, ix.traceEnd = ix.traceIDs[:0], ix.traceEnd[:0]
	for _, td := range batches {
		rss := td.ResourceSpans()
		for i := range rss.Len() {
			rs := rss.At(i)
			host := hosts.resourceHost(rs.Resource())
			sss := rs.ScopeSpans()
			for j := range sss.Len() {
				spans := sss.At(j).Spans()
				for k := range spans.Len() {
					ix.add(spans.At(k), host)
				}
			}
		}
	}
	ix.groupByTrace()
}

// add puts one span in the index, counting it in its trace.
func (ix *batchIndex) add(span ptrace.Span, host int32) {
	id := span.TraceID()
	t, ok := ix.groups[id]
	if !ok {
		t = int32(len(ix.traceIDs))
		ix.groups[id] = t
		ix.traceIDs = append(ix.traceIDs, id)
		ix.traceEnd = append(ix.traceEnd, 0)
	}
	ix.traceEnd[t]++
	ix.unsorted = append(ix.unsorted, spanRef{span: span, host: host})
	ix.traceOf = append(ix.traceOf, t)
}

// groupByTrace sorts unsorted into refs by trace (a counting sort) and
// turns the per-trace counts in traceEnd into ends.
func (ix *batchIndex) groupByTrace() {
	n := len(ix.traceEnd)
	ix.next = slices.Grow(ix.next[:0], n)[:n]
	var end int32
	for t, size := range ix.traceEnd {
		ix.next[t] = end
		end += size
		ix.traceEnd[t] = end
	}
	ix.refs = slices.Grow(ix.refs[:0], len(ix.unsorted))[:len(ix.unsorted)]
	for s, t := range ix.traceOf {
		ix.refs[ix.next[t]] = ix.unsorted[s]
		ix.next[t]++
	}
}

// traceCount is the number of traces.
func (ix *batchIndex) traceCount() int { return len(ix.traceEnd) }

// trace returns the spans of trace k.
func (ix *batchIndex) trace(k int) []spanRef {
	var from int32
	if k > 0 {
		from = ix.traceEnd[k-1]
	}
	return ix.refs[from:ix.traceEnd[k]]
}

// release drops the index's references to spans, so that pooled buffers
// keep no batch alive.
func (ix *batchIndex) release() {
	clear(ix.refs)
	clear(ix.unsorted)
}
