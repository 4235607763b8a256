package tracecorrect_test

import (
	"bytes"
	"testing"
	"time"

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
	benchCorrect(b, benchScenario(b))
}

// benchCorrect times the correction of b.N fresh copies of res's traces.
func benchCorrect(b *testing.B, res tracegen.Result) {
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
	cpu := processCPUTime()
	for i := range b.N {
		c.Correct(batches[i])
	}
	reportSpanRates(b, spans*b.N, processCPUTime()-cpu)
}

// reportSpanRates reports spans per wall-clock second and, where known,
// per second of CPU time, which other load on the machine does not skew.
func reportSpanRates(b *testing.B, spans int, cpu time.Duration) {
	b.ReportMetric(float64(spans)/b.Elapsed().Seconds(), "spans/s")
	if cpu > 0 {
		b.ReportMetric(float64(spans)/cpu.Seconds(), "spans/cpu-s")
	}
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
	cpu := processCPUTime()
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
	reportSpanRates(b, spans*b.N, processCPUTime()-cpu)
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
			benchCorrect(b, res)
			b.ReportMetric(float64(res.Traces.SpanCount())/float64(size.traces), "spans/trace")
		})
	}
}
