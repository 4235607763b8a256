package tracecorrect

import (
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/clockwatch/clockwatch/internal/saturate"
)

// writeBack applies the offsets and shifts to the spans themselves, with
// their events, and records each change on the span.
func (tc *traceCorrection) writeBack() {
	v := tc.view
	for i := range v.spans {
		s := &v.spans[i]
		hs := &tc.hosts[s.host]
		shift := tc.shift[s.host]
		s.cstart, s.cend = saturate.Add(s.cstart, shift), saturate.Add(s.cend, shift)
		dStart, dEnd := saturate.Sub(s.cstart, s.start), saturate.Sub(s.cend, s.end)
		source := correctionSource(hs.tl != nil, shift != 0)
		if dStart == 0 && dEnd == 0 {
			if hs.tl == nil {
				annotate(s.span, 0, 0, source)
			}
			continue
		}
		s.span.SetStartTimestamp(timestamp(s.cstart))
		s.span.SetEndTimestamp(timestamp(s.cend))
		tc.moveEvents(s.span, hs.tl, shift)
		annotate(s.span, dStart, dEnd, source)
		tc.sum.SpansMoved++
		tc.sum.LargestShift = max(tc.sum.LargestShift, absDuration(dStart), absDuration(dEnd))
	}
}

// moveEvents corrects the span's event times like its start and end.
func (tc *traceCorrection) moveEvents(span ptrace.Span, tl *timeline, shift int64) {
	events := span.Events()
	for i := range events.Len() {
		ev := events.At(i)
		t := nanos(ev.Timestamp())
		if tl != nil {
			t = tc.correctTime(tl, t)
		}
		ev.SetTimestamp(timestamp(saturate.Add(t, shift)))
	}
}

// correctionSource names what a span's correction was based on.
func correctionSource(measured, causalityShift bool) string {
	switch {
	case !measured:
		return CorrectionSourceCausality
	case causalityShift:
		return CorrectionSourceOffsetAndCausality
	default:
		return CorrectionSourceOffset
	}
}

// annotate records a change of dStart and dEnd nanoseconds on the span.
func annotate(span ptrace.Span, dStart, dEnd int64, source string) {
	attrs := span.Attributes()
	attrs.EnsureCapacity(attrs.Len() + 3)
	attrs.PutInt(AttrCorrection, dStart)
	if dEnd != dStart {
		attrs.PutInt(AttrEndCorrection, dEnd)
	}
	attrs.PutStr(AttrCorrectionSource, source)
}
