package tracecorrect_test

import (
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/clockwatch/clockwatch/tracecorrect"
)

func TestTimeRange(t *testing.T) {
	tests := []struct {
		name     string
		batches  []ptrace.Traces
		from, to time.Duration
		ok       bool
	}{
		{name: "no spans", batches: []ptrace.Traces{ptrace.NewTraces()}},
		{name: "spans over two batches", ok: true, from: -ms, to: 12 * ms, batches: []ptrace.Traces{
			buildTrace(testSpan{id: 1, host: "a", start: 0, end: 10 * ms}),
			buildTrace(testSpan{id: 2, host: "b", start: -ms, end: 12 * ms}),
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			from, to, ok := tracecorrect.TimeRange(tt.batches...)
			if ok != tt.ok || ok && (from.Sub(t0) != tt.from || to.Sub(t0) != tt.to) {
				t.Errorf("TimeRange = %v, %v, %v; want %v, %v, %v", from.Sub(t0), to.Sub(t0), ok, tt.from, tt.to, tt.ok)
			}
		})
	}
}
