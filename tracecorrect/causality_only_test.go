package tracecorrect_test

import (
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/clockwatch/clockwatch/tracecorrect"
)

func TestAdjustCausalityOnly(t *testing.T) {
	type span struct{ start, end time.Duration }
	tests := []struct {
		name  string
		td    ptrace.Traces
		want  map[byte]span
		moved int
	}{{
		name: "a child that fits stays",
		td: buildTrace(
			testSpan{id: 1, host: "a", kind: client, start: 0, end: 10 * ms},
			testSpan{id: 2, parent: 1, host: "b", kind: server, start: 2 * ms, end: 9 * ms}),
		want: map[byte]span{2: {2 * ms, 9 * ms}},
	}, {
		name: "a shorter child outside is centred",
		td: buildTrace(
			testSpan{id: 1, host: "a", kind: client, start: 0, end: 10 * ms},
			testSpan{id: 2, parent: 1, host: "b", kind: server, start: 20 * ms, end: 26 * ms}),
		want:  map[byte]span{2: {2 * ms, 8 * ms}},
		moved: 1,
	}, {
		name: "a longer child only stops starting first",
		td: buildTrace(
			testSpan{id: 1, host: "a", kind: client, start: 0, end: 10 * ms},
			testSpan{id: 2, parent: 1, host: "b", kind: server, start: -5 * ms, end: 15 * ms}),
		want:  map[byte]span{2: {0, 20 * ms}},
		moved: 1,
	}, {
		name: "spans below on the same host inherit the skew",
		td: buildTrace(
			testSpan{id: 1, host: "a", kind: client, start: 0, end: 10 * ms},
			testSpan{id: 2, parent: 1, host: "b", kind: server, start: 20 * ms, end: 26 * ms},
			testSpan{id: 3, parent: 2, host: "b", kind: ptrace.SpanKindInternal, start: 21 * ms, end: 22 * ms}),
		want:  map[byte]span{2: {2 * ms, 8 * ms}, 3: {3 * ms, 4 * ms}},
		moved: 2,
	}, {
		name: "a consumer after a longer producer is pulled into it: causality alone points the wrong way",
		td: buildTrace(
			testSpan{id: 1, host: "a", kind: ptrace.SpanKindProducer, start: 0, end: 2 * ms},
			testSpan{id: 2, parent: 1, host: "b", kind: ptrace.SpanKindConsumer, start: 5 * ms, end: 6 * ms}),
		want:  map[byte]span{2: {500 * us, 1500 * us}},
		moved: 1,
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if moved := tracecorrect.AdjustCausalityOnly("", tt.td); moved != tt.moved {
				t.Errorf("moved %d spans, want %d", moved, tt.moved)
			}
			for id, w := range tt.want {
				if start, end := times(spanByID(tt.td, id)); start != w.start || end != w.end {
					t.Errorf("span %d: [%v, %v], want [%v, %v]", id, start, end, w.start, w.end)
				}
			}
		})
	}
}
