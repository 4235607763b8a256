package tracegen_test

import (
	"testing"

	"github.com/clockwatch/clockwatch/tracecorrect"
	"github.com/clockwatch/clockwatch/tracecorrect/tracegen"
)

// TestInArrivalOrder checks that the batches hold every span once, at most
// n each, in end-time order from batch to batch, and each under its own host's
// resource.
func TestInArrivalOrder(t *testing.T) {
	for _, n := range []int{1, 7, 256, 1 << 20} {
		res, err := tracegen.Generate(tracegen.Scenarios(40)[0])
		if err != nil {
			t.Fatal(err)
		}
		want := res.Traces.SpanCount()
		got, last := 0, uint64(0)
		for _, td := range tracegen.InArrivalOrder(res.Traces, n) {
			if c := td.SpanCount(); c == 0 || c > n {
				t.Fatalf("n=%d: a batch of %d spans", n, c)
			}
			got += td.SpanCount()
			for i := range td.ResourceSpans().Len() {
				if td.ResourceSpans().At(i).Resource().Attributes().Len() == 0 {
					t.Fatalf("n=%d: a batch's resource lost its attributes", n)
				}
			}
			// Within a batch spans are grouped by host; across batches
			// none ends before a span of an earlier batch.
			latest := last
			for s := range tracecorrect.Spans(td) {
				end := uint64(s.EndTimestamp())
				if end < last {
					t.Fatalf("n=%d: span ending at %d in a batch after one ending at %d", n, end, last)
				}
				latest = max(latest, end)
			}
			last = latest
		}
		if got != want || res.Traces.SpanCount() != want {
			t.Errorf("n=%d: %d spans in the batches, want %d (input left with %d)", n, got, want, res.Traces.SpanCount())
		}
	}
}
