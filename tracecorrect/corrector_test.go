package tracecorrect_test

import (
	"reflect"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/clockwatch/clockwatch/tracecorrect"
)

// measured returns offsets of host with one measurement at t0.
func measured(host string, offset, bound time.Duration) tracecorrect.Offsets {
	return tracecorrect.Offsets{host: {{Time: t0, Offset: offset, ErrorBound: bound}}}
}

// merged merges several offsets into one.
func merged(all ...tracecorrect.Offsets) tracecorrect.Offsets {
	out := tracecorrect.Offsets{}
	for _, o := range all {
		out.Merge(o)
	}
	return out
}

// want is the expected outcome for one span.
type want struct {
	start, end time.Duration
	correction int64 // AttrCorrection; −1: absent
	source     string
}

func TestCorrect(t *testing.T) {
	rpc := func(serverStart, serverEnd time.Duration) ptrace.Traces {
		return buildTrace(
			testSpan{id: 1, host: "a", kind: client, start: 0, end: 10 * ms},
			testSpan{id: 2, parent: 1, host: "b", kind: server, start: serverStart, end: serverEnd},
		)
	}
	tests := []struct {
		name    string
		td      ptrace.Traces
		offsets tracecorrect.Offsets
		opts    tracecorrect.Options
		want    map[byte]want
		summary tracecorrect.Summary
	}{{
		name:    "offsets alone: recorded − offset",
		td:      rpc(3*ms, 6*ms),
		offsets: merged(measured("a", 2*ms, 10*us), measured("b", -1*ms, 10*us)),
		opts:    tracecorrect.Options{MinimalShifts: true},
		want: map[byte]want{
			1: {-2 * ms, 8 * ms, int64(-2 * ms), tracecorrect.CorrectionSourceOffset},
			2: {4 * ms, 7 * ms, int64(ms), tracecorrect.CorrectionSourceOffset},
		},
		summary: tracecorrect.Summary{Traces: 1, Spans: 2, SpansMoved: 2, LargestShift: 2 * ms},
	}, {
		name:    "violation within the bounds: smallest shift, split by bound",
		td:      rpc(-40*us, 9*ms),
		offsets: merged(measured("a", 0, 100*us), measured("b", 0, 300*us)),
		opts:    tracecorrect.Options{MinimalShifts: true},
		want: map[byte]want{
			1: {-4 * us, 10*ms - 4*us, int64(-4 * us), tracecorrect.CorrectionSourceOffsetAndCausality},
			2: {-4 * us, 9*ms + 36*us, int64(36 * us), tracecorrect.CorrectionSourceOffsetAndCausality},
		},
		summary: tracecorrect.Summary{Traces: 1, Spans: 2, SpansMoved: 2, LargestShift: 36 * us, ViolationsBefore: 1},
	}, {
		name:    "violation beyond the bounds: offsets only, unresolved",
		td:      rpc(-1*ms, 9*ms),
		offsets: merged(measured("a", 0, 10*us), measured("b", 0, 10*us)),
		want: map[byte]want{
			1: {0, 10 * ms, -1, ""},
			2: {-1 * ms, 9 * ms, -1, ""},
		},
		summary: tracecorrect.Summary{Traces: 1, Spans: 2, ViolationsBefore: 1, ViolationsAfter: 1, UnresolvedTraces: 1},
	}, {
		name:    "unmeasured host outside its client: centred, said so",
		td:      rpc(14*ms, 18*ms),
		offsets: measured("a", 0, 10*us),
		want: map[byte]want{
			1: {0, 10 * ms, -1, ""},
			2: {3 * ms, 7 * ms, int64(-11 * ms), tracecorrect.CorrectionSourceCausality},
		},
		summary: tracecorrect.Summary{Traces: 1, Spans: 2, SpansMoved: 1, LargestShift: 11 * ms, ViolationsBefore: 1, UnmeasuredHosts: []string{"b"}},
	}, {
		name:    "unmeasured host that fits: not moved, said so",
		td:      rpc(2*ms, 8*ms),
		offsets: measured("a", 0, 10*us),
		want: map[byte]want{
			1: {0, 10 * ms, -1, ""},
			2: {2 * ms, 8 * ms, 0, tracecorrect.CorrectionSourceCausality},
		},
		summary: tracecorrect.Summary{Traces: 1, Spans: 2, UnmeasuredHosts: []string{"b"}},
	}, {
		name:    "offsets older than MaxAge: host unmeasured",
		td:      rpc(2*ms, 8*ms),
		offsets: tracecorrect.Offsets{"b": {{Time: t0.Add(-time.Hour), Offset: time.Second, ErrorBound: us}}},
		opts:    tracecorrect.Options{MaxAge: time.Minute},
		want: map[byte]want{
			1: {0, 10 * ms, 0, tracecorrect.CorrectionSourceCausality},
			2: {2 * ms, 8 * ms, 0, tracecorrect.CorrectionSourceCausality},
		},
		summary: tracecorrect.Summary{Traces: 1, Spans: 2, UnmeasuredHosts: []string{"a", "b"}},
	}, {
		name: "a consumer after its producer stays where it is",
		td: buildTrace(
			testSpan{id: 1, host: "a", kind: ptrace.SpanKindProducer, start: 0, end: 2 * ms},
			testSpan{id: 2, parent: 1, host: "b", kind: ptrace.SpanKindConsumer, start: 5 * ms, end: 6 * ms},
		),
		offsets: merged(measured("a", 0, 10*us), measured("b", 0, 10*us)),
		want: map[byte]want{
			1: {0, 2 * ms, -1, ""},
			2: {5 * ms, 6 * ms, -1, ""},
		},
		summary: tracecorrect.Summary{Traces: 1, Spans: 2},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := tracecorrect.NewCorrector(tt.offsets, tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			sum := c.Correct(tt.td)
			if !reflect.DeepEqual(sum, tt.summary) {
				t.Errorf("summary = %+v\nwant      %+v", sum, tt.summary)
			}
			for id, w := range tt.want {
				checkSpan(t, spanByID(tt.td, id), id, w)
			}
		})
	}
}

// checkSpan compares a span's times and annotations with w.
func checkSpan(t *testing.T, s ptrace.Span, id byte, w want) {
	t.Helper()
	if start, end := times(s); start != w.start || end != w.end {
		t.Errorf("span %d: [%v, %v], want [%v, %v]", id, start, end, w.start, w.end)
	}
	correction, ok := s.Attributes().Get(tracecorrect.AttrCorrection)
	switch {
	case w.correction == -1 && ok:
		t.Errorf("span %d: %s = %d, want none", id, tracecorrect.AttrCorrection, correction.Int())
	case w.correction != -1 && (!ok || correction.Int() != w.correction):
		t.Errorf("span %d: %s = %v, want %d", id, tracecorrect.AttrCorrection, correction.AsRaw(), w.correction)
	}
	if source, _ := s.Attributes().Get(tracecorrect.AttrCorrectionSource); source.Str() != w.source {
		t.Errorf("span %d: %s = %q, want %q", id, tracecorrect.AttrCorrectionSource, source.Str(), w.source)
	}
}

func TestCorrectCentresCallsWithinWideBounds(t *testing.T) {
	td := buildTrace(
		testSpan{id: 1, host: "a", kind: client, start: 0, end: ms},
		testSpan{id: 2, parent: 1, host: "b", kind: server, start: 300 * us, end: 900 * us},
	)
	offsets := merged(measured("a", 0, ms), measured("b", 0, ms))
	c, err := tracecorrect.NewCorrector(offsets, tracecorrect.Options{})
	if err != nil {
		t.Fatal(err)
	}
	c.Correct(td)
	cs, ce := times(spanByID(td, 1))
	ss, se := times(spanByID(td, 2))
	if off := (ss + se - cs - ce) / 2; off < -10*us || off > 10*us {
		t.Errorf("server's middle is %v from its client's, want within 10µs: the call's timing outweighs 1ms bounds", off)
	}
	if source, _ := spanByID(td, 2).Attributes().Get(tracecorrect.AttrCorrectionSource); source.Str() != tracecorrect.CorrectionSourceOffsetAndCausality {
		t.Errorf("source %q, want %q", source.Str(), tracecorrect.CorrectionSourceOffsetAndCausality)
	}
}

func TestCorrectMovesEventsWithDrift(t *testing.T) {
	td := buildTrace(testSpan{id: 1, host: "a", kind: server, start: 0, end: 10 * time.Second})
	span := spanByID(td, 1)
	span.Events().AppendEmpty().SetTimestamp(span.StartTimestamp() + 5e9)
	offsets := tracecorrect.Offsets{"a": {
		{Time: t0, Offset: 0, ErrorBound: us},
		{Time: t0.Add(10 * time.Second), Offset: 1 * ms, ErrorBound: us}, // 100 ppm fast
	}}
	c, err := tracecorrect.NewCorrector(offsets, tracecorrect.Options{})
	if err != nil {
		t.Fatal(err)
	}
	c.Correct(td)
	if start, end := times(span); start != 0 || end != 10*time.Second-ms {
		t.Errorf("span [%v, %v], want [0, 9.999s]: each end by its own offset", start, end)
	}
	if got := span.Events().At(0).Timestamp().AsTime().Sub(t0); got != 5*time.Second-500*us {
		t.Errorf("event at %v, want 4.9995s", got)
	}
	if end, _ := span.Attributes().Get(tracecorrect.AttrEndCorrection); end.Int() != int64(-ms) {
		t.Errorf("%s = %v, want -1ms", tracecorrect.AttrEndCorrection, end.AsRaw())
	}
}

func TestNewCorrectorRejects(t *testing.T) {
	tests := []struct {
		name    string
		offsets tracecorrect.Offsets
		opts    tracecorrect.Options
	}{
		{"negative bound", measured("a", 0, -1), tracecorrect.Options{}},
		{"zero time", tracecorrect.Offsets{"a": {{Offset: 1}}}, tracecorrect.Options{}},
		{"drift allowance of 2", nil, tracecorrect.Options{DriftAllowance: 2}},
		{"negative max age", nil, tracecorrect.Options{MaxAge: -time.Second}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := tracecorrect.NewCorrector(tt.offsets, tt.opts); err == nil {
				t.Error("NewCorrector accepted it")
			}
		})
	}
}
