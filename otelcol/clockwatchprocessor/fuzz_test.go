package clockwatchprocessor

import (
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/processor/processortest"

	"github.com/clockwatch/clockwatch/tracecorrect"
	"github.com/clockwatch/clockwatch/tracecorrect/tracegen"
)

// fuzzEpoch is where the fuzzed times and offsets are centred.
var fuzzEpoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// FuzzProcessor runs random pdata through the processor: OTLP protobuf
// when the input parses as such, else spans drawn from the input's bytes
// (few trace, span and host IDs, so that parents, shared hosts and
// duplicates are common; times anywhere from 0 to the largest timestamp).
// The processor must not fail or panic, keep every span, change only
// times and its own attributes, and move each start by what it records.
func FuzzProcessor(f *testing.F) {
	res, err := tracegen.Generate(tracegen.Scenario{Seed: 7, Traces: 3, AsyncShare: 0.3, Hosts: []tracegen.Host{
		{Name: "h0", Offset: time.Millisecond, ErrorBound: 10 * time.Microsecond}, {Name: "h1", Offset: -time.Millisecond, Unmeasured: true},
	}})
	if err != nil {
		f.Fatal(err)
	}
	seed, err := (&ptrace.ProtoMarshaler{}).MarshalTraces(res.Traces)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(seed)
	f.Add([]byte("\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f"))
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 0, 0, 0x80})
	p, err := newClockwatchProcessor(processortest.NewNopSettings(Type), createDefaultConfig())
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		td, err := (&ptrace.ProtoUnmarshaler{}).UnmarshalTraces(data)
		if err != nil {
			td = drawTraces(data)
		}
		c, err := tracecorrect.NewCorrector(drawOffsets(data), tracecorrect.Options{HostAttributes: tracecorrect.DefaultHostAttributes})
		if err != nil {
			t.Fatal(err)
		}
		p.corrector.Store(c)
		before := ptrace.NewTraces()
		td.CopyTo(before)
		out, err := p.processTraces(context.Background(), td)
		if err != nil {
			t.Fatal(err)
		}
		checkOnlyTimesMoved(t, before, out)
	})
}

// drawTraces builds spans from data, 24 bytes each.
func drawTraces(data []byte) ptrace.Traces {
	td := ptrace.NewTraces()
	kinds := []ptrace.SpanKind{ptrace.SpanKindClient, ptrace.SpanKindServer, ptrace.SpanKindProducer, ptrace.SpanKindConsumer, ptrace.SpanKindInternal}
	for len(data) >= 24 {
		b := data[:24]
		data = data[24:]
		rs := td.ResourceSpans().AppendEmpty()
		rs.Resource().Attributes().PutStr("host.name", fmt.Sprint("h", b[0]%4))
		if b[0]&0x10 != 0 {
			rs.Resource().Attributes().PutInt("host.id", int64(b[0]>>5))
		}
		span := rs.ScopeSpans().AppendEmpty().Spans().AppendEmpty()
		span.SetTraceID(pcommon.TraceID{b[1] % 3})
		span.SetSpanID(pcommon.SpanID{b[2] % 8})
		if b[3]%4 != 0 {
			span.SetParentSpanID(pcommon.SpanID{b[3] % 8})
		}
		span.SetKind(kinds[int(b[4])%len(kinds)])
		start := drawTime(binary.LittleEndian.Uint64(b[5:13]))
		span.SetStartTimestamp(start)
		span.SetEndTimestamp(drawTime(binary.LittleEndian.Uint64(b[13:21])))
		if b[21]&1 != 0 {
			span.Events().AppendEmpty().SetTimestamp(start + pcommon.Timestamp(b[22]))
		}
	}
	return td
}

// drawTime maps 8 bytes to a timestamp: mostly within a second of
// fuzzEpoch, sometimes anywhere.
func drawTime(v uint64) pcommon.Timestamp {
	if v&0xff < 0xf0 {
		return pcommon.Timestamp(uint64(fuzzEpoch.UnixNano()) + v>>8%uint64(time.Second))
	}
	return pcommon.Timestamp(v)
}

// drawOffsets gives hosts h0 to h2 offsets drawn from data's first bytes.
func drawOffsets(data []byte) tracecorrect.Offsets {
	offsets := tracecorrect.Offsets{}
	for h := range 3 {
		if len(data) < 2*h+2 {
			break
		}
		offset := time.Duration(int8(data[2*h])) * 100 * time.Microsecond
		bound := time.Duration(data[2*h+1]) * time.Microsecond
		offsets[fmt.Sprint("h", h)] = []tracecorrect.Measurement{{Time: fuzzEpoch, Offset: offset, ErrorBound: bound}}
	}
	return offsets
}

// checkOnlyTimesMoved compares each span of after with the same span in
// before: same count, IDs and names; a start moved by exactly the
// recorded correction unless clamped at a timestamp's limits.
func checkOnlyTimesMoved(t *testing.T, before, after ptrace.Traces) {
	t.Helper()
	if before.SpanCount() != after.SpanCount() {
		t.Fatalf("%d spans out, %d in", after.SpanCount(), before.SpanCount())
	}
	var was []ptrace.Span
	for s := range tracecorrect.Spans(before) {
		was = append(was, s)
	}
	i := 0
	for s := range tracecorrect.Spans(after) {
		w := was[i]
		i++
		if s.SpanID() != w.SpanID() || s.TraceID() != w.TraceID() || s.Name() != w.Name() {
			t.Fatalf("span %d changed identity", i)
		}
		v, ok := s.Attributes().Get(tracecorrect.AttrCorrection)
		if !ok {
			if s.StartTimestamp() != w.StartTimestamp() {
				t.Fatalf("span %d moved from %d to %d without %s", i, w.StartTimestamp(), s.StartTimestamp(), tracecorrect.AttrCorrection)
			}
			continue
		}
		was, now := int64(w.StartTimestamp()), int64(s.StartTimestamp())
		clamped := now == 0 || now == math.MaxInt64 || was < 0
		if !clamped && now-was != v.Int() {
			t.Fatalf("span %d moved by %d, records %d", i, now-was, v.Int())
		}
	}
}
