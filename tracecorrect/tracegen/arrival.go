package tracegen

import (
	"cmp"
	"slices"

	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/clockwatch/clockwatch/tracecorrect"
)

// InArrivalOrder cuts td's spans, ordered by end time as a collector
// receives them from many hosts, into batches of n spans. Each batch holds
// one resource per host that has spans in it, with that host's resource
// attributes; spans are copies, td is left as it was.
func InArrivalOrder(td ptrace.Traces, n int) []ptrace.Traces {
	type placed struct {
		span     ptrace.Span
		resource int
	}
	var spans []placed
	rss := td.ResourceSpans()
	for i := range rss.Len() {
		for s := range tracecorrect.Spans(oneResource(rss.At(i))) {
			spans = append(spans, placed{s, i})
		}
	}
	slices.SortStableFunc(spans, func(a, b placed) int { return cmp.Compare(a.span.EndTimestamp(), b.span.EndTimestamp()) })
	var batches []ptrace.Traces
	for start := 0; start < len(spans); start += n {
		out := ptrace.NewTraces()
		byResource := map[int]ptrace.SpanSlice{}
		for _, p := range spans[start:min(start+n, len(spans))] {
			slice, ok := byResource[p.resource]
			if !ok {
				rs := out.ResourceSpans().AppendEmpty()
				rss.At(p.resource).Resource().CopyTo(rs.Resource())
				slice = rs.ScopeSpans().AppendEmpty().Spans()
				byResource[p.resource] = slice
			}
			p.span.CopyTo(slice.AppendEmpty())
		}
		batches = append(batches, out)
	}
	return batches
}

// oneResource is Traces holding a copy of rs alone.
func oneResource(rs ptrace.ResourceSpans) ptrace.Traces {
	td := ptrace.NewTraces()
	rs.CopyTo(td.ResourceSpans().AppendEmpty())
	return td
}
