package clockwatchprocessor

import (
	"context"
	"runtime"
	"testing"
	"time"

	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/processor/processortest"

	"github.com/clockwatch/clockwatch/tracecorrect"
	"github.com/clockwatch/clockwatch/tracecorrect/tracegen"
)

// BenchmarkProcessor measures the processor as a collector runs it, on
// about 25k spans of the fire-and-forget scenario: one trace per batch, as
// groupbytrace passes them on, and everything in one batch, as batch
// would. It reports spans per second of CPU time (other load on the
// machine does not skew it), spans per wall-clock second, and heap
// allocations per span.
func BenchmarkProcessor(b *testing.B) {
	res, err := tracegen.Generate(tracegen.Scenarios(2000)[3])
	if err != nil {
		b.Fatal(err)
	}
	b.Run("trace-per-batch", func(b *testing.B) { benchProcessor(b, res.Offsets, splitByTrace(res.Traces)) })
	b.Run("one-batch", func(b *testing.B) { benchProcessor(b, res.Offsets, []ptrace.Traces{res.Traces}) })
}

// benchProcessor runs fresh copies of batches through a processor with
// offsets, b.N times.
func benchProcessor(b *testing.B, offsets tracecorrect.Offsets, batches []ptrace.Traces) {
	cfg := createDefaultConfig()
	cfg.OffsetsFile = writeOffsetsFile(b, offsets)
	p, err := NewFactory().CreateTraces(context.Background(), processortest.NewNopSettings(Type), cfg, consumertest.NewNop())
	if err != nil {
		b.Fatal(err)
	}
	if err := p.Start(context.Background(), componenttest.NewNopHost()); err != nil {
		b.Fatal(err)
	}
	defer p.Shutdown(context.Background())
	spans := 0
	for _, td := range batches {
		spans += td.SpanCount()
	}
	var cpu time.Duration
	var mallocs uint64
	var before, after runtime.MemStats
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		copies := make([]ptrace.Traces, len(batches))
		for i, td := range batches {
			copies[i] = ptrace.NewTraces()
			td.CopyTo(copies[i])
		}
		runtime.ReadMemStats(&before)
		start := processCPUTime()
		b.StartTimer()
		for _, td := range copies {
			if err := p.ConsumeTraces(context.Background(), td); err != nil {
				b.Fatal(err)
			}
		}
		b.StopTimer()
		cpu += processCPUTime() - start
		runtime.ReadMemStats(&after)
		mallocs += after.Mallocs - before.Mallocs
		b.StartTimer()
	}
	total := float64(spans * b.N)
	b.ReportMetric(total/b.Elapsed().Seconds(), "spans/s")
	if cpu > 0 {
		b.ReportMetric(total/cpu.Seconds(), "spans/cpu-s")
	}
	b.ReportMetric(float64(mallocs)/total, "allocs/span")
}

// splitByTrace makes one batch per trace of td, each span under a copy of
// its resource and scope, as groupbytrace releases them.
func splitByTrace(td ptrace.Traces) []ptrace.Traces {
	byTrace := map[pcommon.TraceID]ptrace.Traces{}
	var order []pcommon.TraceID
	rss := td.ResourceSpans()
	for i := range rss.Len() {
		rs := rss.At(i)
		sss := rs.ScopeSpans()
		for j := range sss.Len() {
			ss := sss.At(j)
			for k := range ss.Spans().Len() {
				span := ss.Spans().At(k)
				out, ok := byTrace[span.TraceID()]
				if !ok {
					out = ptrace.NewTraces()
					byTrace[span.TraceID()] = out
					order = append(order, span.TraceID())
				}
				ors := out.ResourceSpans().AppendEmpty()
				rs.Resource().CopyTo(ors.Resource())
				oss := ors.ScopeSpans().AppendEmpty()
				ss.Scope().CopyTo(oss.Scope())
				span.CopyTo(oss.Spans().AppendEmpty())
			}
		}
	}
	batches := make([]ptrace.Traces, len(order))
	for i, id := range order {
		batches[i] = byTrace[id]
	}
	return batches
}
