package clockwatchprocessor

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/processor/processortest"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/clockwatch/clockwatch/tracecorrect"
	"github.com/clockwatch/clockwatch/tracecorrect/tracegen"
)

func TestProcessorCorrectsWithOffsetsFile(t *testing.T) {
	const skew = 4 * time.Millisecond
	at := time.Now()
	cfg := createDefaultConfig()
	cfg.OffsetsFile = writeOffsetsFile(t, rpcOffsets(at, skew))
	p, sink := startProcessor(t, cfg, nil)
	if err := p.ConsumeTraces(context.Background(), rpcTrace(at, skew)); err != nil {
		t.Fatal(err)
	}
	out := sink.AllTraces()[0]
	if e := serverStartError(out, at); e > 2*testBound {
		t.Errorf("server span %v from the truth, want within %v", e, 2*testBound)
	}
	source, _ := serverSpan(out).Attributes().Get(tracecorrect.AttrCorrectionSource)
	if !strings.HasPrefix(source.Str(), tracecorrect.CorrectionSourceOffset) {
		t.Errorf("%s = %q, want the offset named (matched by host.name although host.id comes first)", tracecorrect.AttrCorrectionSource, source.Str())
	}
}

// TestProcessorAnnotatesAsTheCLI corrects generated traces with the
// processor and with the corrector the CLI runs: the spans come out
// identical, attributes included.
func TestProcessorAnnotatesAsTheCLI(t *testing.T) {
	res, err := tracegen.Generate(tracegen.Scenarios(200)[5])
	if err != nil {
		t.Fatal(err)
	}
	cfg := createDefaultConfig()
	cfg.OffsetsFile = writeOffsetsFile(t, res.Offsets)
	p, sink := startProcessor(t, cfg, nil)
	viaProcessor, viaCLI := ptrace.NewTraces(), ptrace.NewTraces()
	res.Traces.CopyTo(viaProcessor)
	res.Traces.CopyTo(viaCLI)
	if err := p.ConsumeTraces(context.Background(), viaProcessor); err != nil {
		t.Fatal(err)
	}
	c, err := tracecorrect.NewCorrector(res.Offsets, tracecorrect.Options{})
	if err != nil {
		t.Fatal(err)
	}
	c.Correct(viaCLI)
	if got, want := marshal(t, sink.AllTraces()[0]), marshal(t, viaCLI); !bytes.Equal(got, want) {
		t.Error("the processor's spans differ from the CLI's on the same input")
	}
}

// marshal is td as OTLP JSON.
func marshal(t testing.TB, td ptrace.Traces) []byte {
	t.Helper()
	b, err := (&ptrace.JSONMarshaler{}).MarshalTraces(td)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestProcessorReadsPrometheusAndAgents(t *testing.T) {
	const skew = -7 * time.Millisecond
	at := time.Now()
	prometheus := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		value := fmt.Sprint(skew.Seconds())
		if strings.Contains(r.FormValue("query"), "error_bound") {
			value = fmt.Sprint(testBound.Seconds())
		}
		fmt.Fprintf(w, `{"status": "success", "data": {"resultType": "matrix", "result": [
			{"metric": {"instance": "%s:9896"}, "values": [[%d, "%s"]]}]}}`, serverHost, at.Unix(), value)
	}))
	defer prometheus.Close()
	agent := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `{"host": %q, "estimates": [{"time": %q, "offset_seconds": 0, "error_bound_seconds": %v, "synchronized": true}]}`,
			clientHost, at.Format(time.RFC3339Nano), testBound.Seconds())
	}))
	defer agent.Close()
	cfg := createDefaultConfig()
	cfg.Prometheus.Endpoint = prometheus.URL
	cfg.Agents = []string{agent.URL}
	p, sink := startProcessor(t, cfg, nil)
	if !correctedWithin(t, p, sink, skew) {
		t.Errorf("server span %v from the truth, want within %v", serverStartError(sink.AllTraces()[0], at), 2*testBound)
	}
	source, _ := serverSpan(sink.AllTraces()[0]).Attributes().Get(tracecorrect.AttrCorrectionSource)
	if source.Str() == tracecorrect.CorrectionSourceCausality {
		t.Errorf("server corrected by causality alone, want with Prometheus' offsets")
	}
}

func TestProcessorRereadsTheOffsetsFile(t *testing.T) {
	at := time.Now()
	cfg := createDefaultConfig()
	cfg.OffsetsFile = writeOffsetsFile(t, rpcOffsets(at, 2*time.Millisecond))
	cfg.RefreshInterval = 20 * time.Millisecond
	p, sink := startProcessor(t, cfg, nil)
	if !correctedWithin(t, p, sink, 2*time.Millisecond) {
		t.Fatal("first offsets not used")
	}
	rewriteOffsetsFile(t, cfg.OffsetsFile, rpcOffsets(time.Now(), 9*time.Millisecond))
	eventually(t, "using the new offsets", func() bool { return correctedWithin(t, p, sink, 9*time.Millisecond) })
}

func TestProcessorKeepsOffsetsWhenASourceFails(t *testing.T) {
	const skew = 3 * time.Millisecond
	at := time.Now()
	var requests atomic.Int32
	agent := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if requests.Add(1) > 1 {
			http.Error(w, "agent restarting", http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintf(w, `{"host": %q, "estimates": [{"time": %q, "offset_seconds": %v, "error_bound_seconds": %v, "synchronized": true}]}`,
			serverHost, at.Format(time.RFC3339Nano), skew.Seconds(), testBound.Seconds())
	}))
	defer agent.Close()
	tel := componenttest.NewTelemetry()
	defer tel.Shutdown(context.Background())
	cfg := createDefaultConfig()
	cfg.Agents = []string{agent.URL}
	cfg.RefreshInterval = 20 * time.Millisecond
	p, sink := startProcessor(t, cfg, tel)
	eventually(t, "counting a failed refresh", func() bool { return counter(t, tel, "processor_clockwatch_offsets_refresh_failures") > 0 })
	if !correctedWithin(t, p, sink, skew) {
		t.Error("offsets of the failing agent were dropped; want the last good ones kept")
	}
}

func TestProcessorStartFailsOnAnUnreadableOffsetsFile(t *testing.T) {
	cfg := createDefaultConfig()
	cfg.OffsetsFile = filepath.Join(t.TempDir(), "missing.json")
	p, err := NewFactory().CreateTraces(context.Background(), processortest.NewNopSettings(Type), cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = p.Start(context.Background(), componenttest.NewNopHost())
	if err == nil || !strings.Contains(err.Error(), "offsets_file") || !strings.Contains(err.Error(), "missing.json") {
		t.Errorf("Start: %v, want an error naming offsets_file and the path", err)
	}
	p.Shutdown(context.Background())
}

func TestProcessorTelemetry(t *testing.T) {
	at := time.Now()
	tel := componenttest.NewTelemetry()
	defer tel.Shutdown(context.Background())
	cfg := createDefaultConfig()
	cfg.OffsetsFile = writeOffsetsFile(t, tracecorrect.Offsets{clientHost: rpcOffsets(at, 0)[clientHost]})
	p, _ := startProcessor(t, cfg, tel)
	if err := p.ConsumeTraces(context.Background(), rpcTrace(at, 20*time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]int64{
		"processor_clockwatch_spans":             2,
		"processor_clockwatch_spans_corrected":   1,
		"processor_clockwatch_unmeasured_hosts":  1,
		"processor_clockwatch_unresolved_traces": 0,
	} {
		if got := counter(t, tel, name); got != want {
			t.Errorf("%s = %d, want %d", name, got, want)
		}
	}
}

// counter is the value of a metric without attributes (summed over
// attributes), 0 when not reported.
func counter(t testing.TB, tel *componenttest.Telemetry, name string) int64 {
	t.Helper()
	m, err := tel.GetMetric(name)
	if err != nil {
		return 0
	}
	var points []metricdata.DataPoint[int64]
	switch data := m.Data.(type) {
	case metricdata.Sum[int64]:
		points = data.DataPoints
	case metricdata.Gauge[int64]:
		points = data.DataPoints
	default:
		t.Fatalf("%s: unexpected data %T", name, m.Data)
	}
	var sum int64
	for _, p := range points {
		sum += p.Value
	}
	return sum
}
