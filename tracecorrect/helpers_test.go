package tracecorrect_test

import (
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// t0 is the time test traces start at.
var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// testSpan describes a span of a test trace; times are from t0.
type testSpan struct {
	id, parent byte // 0: no parent
	host       string
	kind       ptrace.SpanKind
	start, end time.Duration
}

// buildTrace makes one trace of spans, one resource per host ("" for a
// resource without host.name).
func buildTrace(spans ...testSpan) ptrace.Traces {
	td := ptrace.NewTraces()
	byHost := map[string]ptrace.SpanSlice{}
	for _, s := range spans {
		slice, ok := byHost[s.host]
		if !ok {
			rs := td.ResourceSpans().AppendEmpty()
			if s.host != "" {
				rs.Resource().Attributes().PutStr("host.name", s.host)
			}
			slice = rs.ScopeSpans().AppendEmpty().Spans()
			byHost[s.host] = slice
		}
		span := slice.AppendEmpty()
		span.SetTraceID(pcommon.TraceID{1})
		span.SetSpanID(pcommon.SpanID{s.id})
		if s.parent != 0 {
			span.SetParentSpanID(pcommon.SpanID{s.parent})
		}
		span.SetKind(s.kind)
		span.SetStartTimestamp(pcommon.NewTimestampFromTime(t0.Add(s.start)))
		span.SetEndTimestamp(pcommon.NewTimestampFromTime(t0.Add(s.end)))
	}
	return td
}

// spanByID finds the span with ID {id} in td.
func spanByID(td ptrace.Traces, id byte) ptrace.Span {
	rss := td.ResourceSpans()
	for i := range rss.Len() {
		sss := rss.At(i).ScopeSpans()
		for j := range sss.Len() {
			spans := sss.At(j).Spans()
			for k := range spans.Len() {
				if spans.At(k).SpanID() == (pcommon.SpanID{id}) {
					return spans.At(k)
				}
			}
		}
	}
	panic("no such span")
}

// times returns a span's start and end relative to t0.
func times(s ptrace.Span) (start, end time.Duration) {
	return s.StartTimestamp().AsTime().Sub(t0), s.EndTimestamp().AsTime().Sub(t0)
}

const (
	us     = time.Microsecond
	ms     = time.Millisecond
	client = ptrace.SpanKindClient
	server = ptrace.SpanKindServer
)
