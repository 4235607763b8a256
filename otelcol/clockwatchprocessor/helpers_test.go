package clockwatchprocessor

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/processor"
	"go.opentelemetry.io/collector/processor/processortest"

	"github.com/clockwatch/clockwatch/tracecorrect"
)

// startProcessor creates and starts the processor with cfg, reporting its
// metrics to tel when not nil, and stops it when the test ends.
func startProcessor(t testing.TB, cfg *Config, tel *componenttest.Telemetry) (processor.Traces, *consumertest.TracesSink) {
	t.Helper()
	set := processortest.NewNopSettings(Type)
	if tel != nil {
		set.TelemetrySettings = tel.NewTelemetrySettings()
	}
	sink := &consumertest.TracesSink{}
	p, err := NewFactory().CreateTraces(context.Background(), set, cfg, sink)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Start(context.Background(), componenttest.NewNopHost()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := p.Shutdown(context.Background()); err != nil {
			t.Error(err)
		}
	})
	return p, sink
}

// writeOffsetsFile writes offsets to a file in the test's directory and
// returns its path.
func writeOffsetsFile(t testing.TB, offsets tracecorrect.Offsets) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "offsets.json")
	rewriteOffsetsFile(t, path, offsets)
	return path
}

// rewriteOffsetsFile replaces the offsets file at path at once.
func rewriteOffsetsFile(t testing.TB, path string, offsets tracecorrect.Offsets) {
	t.Helper()
	tmp := path + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		t.Fatal(err)
	}
	if err := tracecorrect.EncodeOffsetsFile(f, offsets); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}

// Hosts of the test call and the bound of their offsets.
const (
	clientHost = "web-1"
	serverHost = "db-1"
	testBound  = 50 * time.Microsecond
)

// rpcTrace is one call from web-1 (host.name) to db-1 (host.id and
// host.name) starting at at: the client span lasts 10ms, the server span
// 3ms to 6ms into it as true time goes, recorded on a clock skew ahead.
func rpcTrace(at time.Time, skew time.Duration) ptrace.Traces {
	td := ptrace.NewTraces()
	add := func(host string, id, parent byte, kind ptrace.SpanKind, start, end time.Time) {
		rs := td.ResourceSpans().AppendEmpty()
		rs.Resource().Attributes().PutStr("host.name", host)
		if host == serverHost {
			rs.Resource().Attributes().PutStr("host.id", "4f1c0a")
		}
		span := rs.ScopeSpans().AppendEmpty().Spans().AppendEmpty()
		span.SetTraceID(pcommon.TraceID{1, 2, 3})
		span.SetSpanID(pcommon.SpanID{id})
		if parent != 0 {
			span.SetParentSpanID(pcommon.SpanID{parent})
		}
		span.SetKind(kind)
		span.SetStartTimestamp(pcommon.NewTimestampFromTime(start))
		span.SetEndTimestamp(pcommon.NewTimestampFromTime(end))
	}
	add(clientHost, 1, 0, ptrace.SpanKindClient, at, at.Add(10*time.Millisecond))
	add(serverHost, 2, 1, ptrace.SpanKindServer, at.Add(3*time.Millisecond+skew), at.Add(6*time.Millisecond+skew))
	return td
}

// rpcOffsets are the offsets of rpcTrace's hosts measured at at.
func rpcOffsets(at time.Time, skew time.Duration) tracecorrect.Offsets {
	return tracecorrect.Offsets{
		clientHost: {{Time: at, Offset: 0, ErrorBound: testBound}},
		serverHost: {{Time: at, Offset: skew, ErrorBound: testBound}},
	}
}

// serverSpan returns the server span of an rpcTrace.
func serverSpan(td ptrace.Traces) ptrace.Span {
	return td.ResourceSpans().At(1).ScopeSpans().At(0).Spans().At(0)
}

// serverStartError is how far the server span's start is from its true
// start, 3ms after at.
func serverStartError(td ptrace.Traces, at time.Time) time.Duration {
	d := serverSpan(td).StartTimestamp().AsTime().Sub(at.Add(3 * time.Millisecond))
	if d < 0 {
		return -d
	}
	return d
}

// correctedWithin sends an rpcTrace with skew through p and reports
// whether its server span came out within two bounds of the truth.
func correctedWithin(t testing.TB, p processor.Traces, sink *consumertest.TracesSink, skew time.Duration) bool {
	t.Helper()
	at := time.Now()
	sink.Reset()
	if err := p.ConsumeTraces(context.Background(), rpcTrace(at, skew)); err != nil {
		t.Fatal(err)
	}
	return serverStartError(sink.AllTraces()[0], at) <= 2*testBound
}

// eventually polls cond every 10ms until it holds, failing the test after
// 20 seconds; it waits for background work, it does not time it.
func eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); !cond(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("still not %s after 20s", what)
		}
	}
}
