package tracecorrect_test

import (
	"bytes"
	"testing"

	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/clockwatch/clockwatch/tracecorrect"
	"github.com/clockwatch/clockwatch/tracecorrect/tracegen"
)

// benchScenario generates traces of the fire-and-forget scenario, which
// has every kind of call, with about 100k spans.
func benchScenario(b *testing.B) tracegen.Result {
	b.Helper()
	sc := tracegen.Scenarios(6000)[3]
	res, err := tracegen.Generate(sc)
	if err != nil {
		b.Fatal(err)
	}
	return res
}

// BenchmarkCorrect measures the correction of in-memory traces, as a
// collector pipeline would run it; it reports spans/s.
func BenchmarkCorrect(b *testing.B) {
	res := benchScenario(b)
	c, err := tracecorrect.NewCorrector(res.Offsets, tracecorrect.Options{})
	if err != nil {
		b.Fatal(err)
	}
	batches := make([]ptrace.Traces, b.N)
	for i := range batches {
		batches[i] = cloneTraces(res.Traces)
	}
	spans := res.Traces.SpanCount()
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		c.Correct(batches[i])
	}
	b.ReportMetric(float64(spans*b.N)/b.Elapsed().Seconds(), "spans/s")
}

// BenchmarkReadCorrectWrite measures the whole path of the CLI: OTLP JSON
// in, correction, OTLP JSON out.
func BenchmarkReadCorrectWrite(b *testing.B) {
	res := benchScenario(b)
	c, err := tracecorrect.NewCorrector(res.Offsets, tracecorrect.Options{})
	if err != nil {
		b.Fatal(err)
	}
	var in bytes.Buffer
	if err := tracecorrect.WriteTraces(&in, []ptrace.Traces{res.Traces}); err != nil {
		b.Fatal(err)
	}
	spans := res.Traces.SpanCount()
	b.SetBytes(int64(in.Len()))
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		batches, err := tracecorrect.ReadTraces(bytes.NewReader(in.Bytes()))
		if err != nil {
			b.Fatal(err)
		}
		c.Correct(batches...)
		if err := tracecorrect.WriteTraces(&bytes.Buffer{}, batches); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(spans*b.N)/b.Elapsed().Seconds(), "spans/s")
}

// BenchmarkCorrectByTraceSize corrects about 60k spans made of small,
// medium and very large traces: spans/s and B/span that stay flat as the
// traces grow show time and memory linear in the trace size.
func BenchmarkCorrectByTraceSize(b *testing.B) {
	for _, size := range []struct {
		name          string
		fanout, depth int
		traces        int
	}{
		{"small", 3, 3, 4000},
		{"medium", 5, 5, 150},
		{"large", 8, 6, 4},
	} {
		b.Run(size.name, func(b *testing.B) {
			sc := tracegen.Scenarios(size.traces)[3]
			sc.Fanout, sc.Depth = size.fanout, size.depth
			res, err := tracegen.Generate(sc)
			if err != nil {
				b.Fatal(err)
			}
			c, err := tracecorrect.NewCorrector(res.Offsets, tracecorrect.Options{})
			if err != nil {
				b.Fatal(err)
			}
			batches := make([]ptrace.Traces, b.N)
			for i := range batches {
				batches[i] = cloneTraces(res.Traces)
			}
			spans := res.Traces.SpanCount()
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				c.Correct(batches[i])
			}
			b.ReportMetric(float64(spans*b.N)/b.Elapsed().Seconds(), "spans/s")
			b.ReportMetric(float64(spans)/float64(size.traces), "spans/trace")
		})
	}
}
