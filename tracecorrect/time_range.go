package tracecorrect

import (
	"iter"
	"math"
	"time"

	"go.opentelemetry.io/collector/pdata/ptrace"
)

// Spans yields every span of batches, in order.
func Spans(batches ...ptrace.Traces) iter.Seq[ptrace.Span] {
	return func(yield func(ptrace.Span) bool) {
		for _, td := range batches {
			rss := td.ResourceSpans()
			for i := range rss.Len() {
				sss := rss.At(i).ScopeSpans()
				for j := range sss.Len() {
					spans := sss.At(j).Spans()
					for k := range spans.Len() {
						if !yield(spans.At(k)) {
							return
						}
					}
				}
			}
		}
	}
}

// TimeRange returns the earliest start and latest end of the spans in
// batches, the stretch offsets must cover; ok is false without spans.
func TimeRange(batches ...ptrace.Traces) (from, to time.Time, ok bool) {
	first, last := int64(math.MaxInt64), int64(math.MinInt64)
	for s := range Spans(batches...) {
		first = min(first, nanos(s.StartTimestamp()))
		last = max(last, nanos(s.EndTimestamp()), nanos(s.StartTimestamp()))
	}
	if first > last {
		return time.Time{}, time.Time{}, false
	}
	return time.Unix(0, first).UTC(), time.Unix(0, last).UTC(), true
}
