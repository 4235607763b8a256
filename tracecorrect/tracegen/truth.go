package tracegen

import (
	"fmt"
	"time"

	"github.com/clockwatch/clockwatch/tracecorrect"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// spanKey identifies a span across batches.
type spanKey struct {
	trace pcommon.TraceID
	span  pcommon.SpanID
}

// interval is a span's true start and end, Unix ns.
type interval struct{ start, end int64 }

// Truth holds the true times of the generated spans.
type Truth struct {
	spans map[spanKey]interval
}

// Len is the number of spans.
func (t Truth) Len() int { return len(t.spans) }

// MeanAbsError is the mean over every span of batches of the absolute
// errors of its start and end times against true time. Every span must
// come from the generator.
func (t Truth) MeanAbsError(batches ...ptrace.Traces) (time.Duration, error) {
	return t.meanAbsError(batches, func(pcommon.TraceID) int64 { return 0 })
}

// MeanAbsErrorInTrace is like MeanAbsError, but measures each span's
// errors relative to the start error of its trace's root span: how well the
// trace's inner timing is right, whatever the whole trace is off by.
func (t Truth) MeanAbsErrorInTrace(batches ...ptrace.Traces) (time.Duration, error) {
	rootError := map[pcommon.TraceID]int64{}
	err := t.eachSpan(batches, func(s ptrace.Span, truth interval) {
		if s.ParentSpanID().IsEmpty() {
			rootError[s.TraceID()] = int64(s.StartTimestamp()) - truth.start
		}
	})
	if err != nil {
		return 0, err
	}
	return t.meanAbsError(batches, func(id pcommon.TraceID) int64 { return rootError[id] })
}

// meanAbsError averages the errors of starts and ends after subtracting
// the bias of each trace.
func (t Truth) meanAbsError(batches []ptrace.Traces, bias func(pcommon.TraceID) int64) (time.Duration, error) {
	var sum float64
	n := 0
	err := t.eachSpan(batches, func(s ptrace.Span, truth interval) {
		b := bias(s.TraceID())
		sum += absDiff(int64(s.StartTimestamp())-b, truth.start)/2 + absDiff(int64(s.EndTimestamp())-b, truth.end)/2
		n++
	})
	if err != nil || n == 0 {
		return 0, err
	}
	return time.Duration(sum / float64(n)), nil
}

// eachSpan calls f with every span of batches and its true times.
func (t Truth) eachSpan(batches []ptrace.Traces, f func(ptrace.Span, interval)) error {
	for s := range tracecorrect.Spans(batches...) {
		truth, ok := t.spans[spanKey{s.TraceID(), s.SpanID()}]
		if !ok {
			return fmt.Errorf("span %s of trace %s was not generated", s.SpanID(), s.TraceID())
		}
		f(s, truth)
	}
	return nil
}

// absDiff is |a − b| as a float.
func absDiff(a, b int64) float64 {
	if a > b {
		return float64(a - b)
	}
	return float64(b - a)
}
