package tracecorrect

import (
	"math"
	"time"

	"go.opentelemetry.io/collector/pdata/ptrace"
)

// TimeRange returns the earliest start and latest end of the spans in
// batches, the stretch offsets must cover; ok is false without spans.
func TimeRange(batches ...ptrace.Traces) (from, to time.Time, ok bool) {
	first, last := int64(math.MaxInt64), int64(math.MinInt64)
	for _, td := range batches {
		rss := td.ResourceSpans()
		for i := range rss.Len() {
			sss := rss.At(i).ScopeSpans()
			for j := range sss.Len() {
				spans := sss.At(j).Spans()
				for k := range spans.Len() {
					s := spans.At(k)
					first = min(first, nanos(s.StartTimestamp()))
					last = max(last, nanos(s.EndTimestamp()), nanos(s.StartTimestamp()))
				}
			}
		}
	}
	if first > last {
		return time.Time{}, time.Time{}, false
	}
	return time.Unix(0, first).UTC(), time.Unix(0, last).UTC(), true
}
