package tracegen

import (
	"bytes"
	"math"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/ptrace"
)

func TestGenerateRecordsWithHostClocks(t *testing.T) {
	for _, sc := range Scenarios(50) {
		t.Run(sc.Name, func(t *testing.T) {
			res, err := Generate(sc)
			if err != nil {
				t.Fatal(err)
			}
			if res.Truth.Len() != res.Traces.SpanCount() || res.Truth.Len() == 0 {
				t.Fatalf("truth has %d spans, traces %d", res.Truth.Len(), res.Traces.SpanCount())
			}
			s := sc.withDefaults()
			rss := res.Traces.ResourceSpans()
			for i := range rss.Len() {
				c := newClock(s.Hosts[i], s)
				spans := rss.At(i).ScopeSpans().At(0).Spans()
				for k := range spans.Len() {
					span := spans.At(k)
					truth := res.Truth.spans[spanKey{span.TraceID(), span.SpanID()}]
					if got, want := int64(span.StartTimestamp()), c.read(truth.start); got != want {
						t.Fatalf("host %s: recorded start %d, want true %d + offset = %d", s.Hosts[i].Name, got, truth.start, want)
					}
				}
			}
		})
	}
}

func TestGenerateMeasuresWithinBounds(t *testing.T) {
	sc := Scenarios(20)[2] // drifting clocks
	res, err := Generate(sc)
	if err != nil {
		t.Fatal(err)
	}
	s := sc.withDefaults()
	for _, h := range s.Hosts {
		c := newClock(h, s)
		ms := res.Offsets[h.Name]
		if len(ms) < 2 {
			t.Fatalf("host %s: %d measurements", h.Name, len(ms))
		}
		for _, m := range ms {
			// Invert host time to true time: the offset changes by
			// drift × offset over the difference, far below a nanosecond
			// here, so one step suffices.
			host := m.Time.UnixNano()
			trueOffset := c.offsetAt(host - int64(math.Round(c.offsetAt(host))))
			if miss := math.Abs(float64(m.Offset) - trueOffset); miss > float64(m.ErrorBound)+1 {
				t.Errorf("host %s at %v: measured %v, true %v: outside the bound %v", h.Name, m.Time, m.Offset, time.Duration(trueOffset), m.ErrorBound)
			}
		}
	}
}

func TestGenerateIsDeterministic(t *testing.T) {
	sc := Scenarios(30)[3]
	var first, second bytes.Buffer
	for _, buf := range []*bytes.Buffer{&first, &second} {
		res, err := Generate(sc)
		if err != nil {
			t.Fatal(err)
		}
		doc, err := (&ptrace.JSONMarshaler{}).MarshalTraces(res.Traces)
		if err != nil {
			t.Fatal(err)
		}
		buf.Write(doc)
	}
	if !bytes.Equal(first.Bytes(), second.Bytes()) {
		t.Error("the same scenario generated different traces")
	}
}

func TestGenerateFireAndForget(t *testing.T) {
	res, err := Generate(Scenarios(100)[3])
	if err != nil {
		t.Fatal(err)
	}
	producers := map[[8]byte]interval{}
	var consumers []ptrace.Span
	rss := res.Traces.ResourceSpans()
	for i := range rss.Len() {
		spans := rss.At(i).ScopeSpans().At(0).Spans()
		for k := range spans.Len() {
			s := spans.At(k)
			switch s.Kind() {
			case ptrace.SpanKindProducer:
				producers[s.SpanID()] = res.Truth.spans[spanKey{s.TraceID(), s.SpanID()}]
			case ptrace.SpanKindConsumer:
				consumers = append(consumers, s)
			}
		}
	}
	after := 0
	for _, c := range consumers {
		if res.Truth.spans[spanKey{c.TraceID(), c.SpanID()}].start > producers[c.ParentSpanID()].end {
			after++
		}
	}
	if after == 0 {
		t.Errorf("none of %d consumers starts after its producer ended", len(consumers))
	}
}

func TestGenerateRejects(t *testing.T) {
	two := []Host{{Name: "a"}, {Name: "b"}}
	tests := []struct {
		name    string
		s       Scenario
		wantErr string
	}{
		{"one host", Scenario{Hosts: two[:1]}, "at least two hosts"},
		{"delays reversed", Scenario{Hosts: two, MinDelay: 2, MaxDelay: 1}, "MinDelay"},
		{"async share above 1", Scenario{Hosts: two, AsyncShare: 1.5}, "shares"},
		{"unnamed host", Scenario{Hosts: []Host{{Name: "a"}, {}}}, "want a name"},
		{"negative traces", Scenario{Hosts: two, Traces: -1}, "must not be negative"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := Generate(tt.s); err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("error = %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}
