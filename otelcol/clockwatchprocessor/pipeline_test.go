package clockwatchprocessor

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"

	"github.com/open-telemetry/opentelemetry-collector-contrib/exporter/fileexporter"
	"github.com/open-telemetry/opentelemetry-collector-contrib/processor/groupbytraceprocessor"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/confmap/provider/envprovider"
	"go.opentelemetry.io/collector/confmap/provider/fileprovider"
	"go.opentelemetry.io/collector/confmap/provider/yamlprovider"
	"go.opentelemetry.io/collector/exporter/debugexporter"
	"go.opentelemetry.io/collector/exporter/otlpexporter"
	"go.opentelemetry.io/collector/exporter/otlphttpexporter"
	"go.opentelemetry.io/collector/otelcol"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/processor/batchprocessor"
	"go.opentelemetry.io/collector/receiver/otlpreceiver"
	"go.opentelemetry.io/collector/service/telemetry/otelconftelemetry"
	"gopkg.in/yaml.v3"

	"github.com/clockwatch/clockwatch/internal/testlab"
	"github.com/clockwatch/clockwatch/tracecorrect"
	"github.com/clockwatch/clockwatch/tracecorrect/tracegen"
)

// distribution is what the builder manifest puts in otelcol-clockwatch:
// each component's Go module, by kind.
var distribution = map[string][]string{
	"receivers":  {"go.opentelemetry.io/collector/receiver/otlpreceiver"},
	"processors": {"go.opentelemetry.io/collector/processor/batchprocessor", "github.com/open-telemetry/opentelemetry-collector-contrib/processor/groupbytraceprocessor", "github.com/clockwatch/clockwatch/otelcol"},
	"exporters":  {"go.opentelemetry.io/collector/exporter/otlpexporter", "go.opentelemetry.io/collector/exporter/otlphttpexporter", "go.opentelemetry.io/collector/exporter/debugexporter", "github.com/open-telemetry/opentelemetry-collector-contrib/exporter/fileexporter"},
}

// factories are the components of the distribution, as the builder
// registers them.
func factories() (otelcol.Factories, error) {
	var f otelcol.Factories
	var err error
	if f.Receivers, err = otelcol.MakeFactoryMap(otlpreceiver.NewFactory()); err != nil {
		return f, err
	}
	if f.Processors, err = otelcol.MakeFactoryMap(batchprocessor.NewFactory(), groupbytraceprocessor.NewFactory(), NewFactory()); err != nil {
		return f, err
	}
	if f.Exporters, err = otelcol.MakeFactoryMap(otlpexporter.NewFactory(), otlphttpexporter.NewFactory(), debugexporter.NewFactory(), fileexporter.NewFactory()); err != nil {
		return f, err
	}
	f.Telemetry = otelconftelemetry.NewFactory()
	return f, nil
}

// TestManifestMatchesThePipelineTested checks that the builder manifest
// holds exactly the components this file's collector runs, each collector
// module at one release.
func TestManifestMatchesThePipelineTested(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "builder-config.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var manifest map[string]any
	if err := yaml.Unmarshal(data, &manifest); err != nil {
		t.Fatal(err)
	}
	for kind, want := range distribution {
		var got []string
		entries, _ := manifest[kind].([]any)
		for _, e := range entries {
			gomod, _ := e.(map[string]any)["gomod"].(string)
			module, version, _ := strings.Cut(gomod, " ")
			got = append(got, module)
			if strings.HasPrefix(module, "go.opentelemetry.io/collector/") && version != "v0.161.0" ||
				strings.Contains(module, "collector-contrib") && version != "v0.161.0" {
				t.Errorf("%s at %s: keep every collector module at v0.161.0", module, version)
			}
		}
		if slices.Sort(got); !slices.Equal(got, slices.Sorted(slices.Values(want))) {
			t.Errorf("manifest %s: %q, the tested pipeline has %q", kind, got, want)
		}
	}
}

// builtCollector names an otelcol-clockwatch binary (`make otelcol` writes
// bin/otelcol-clockwatch) for TestPipelineCorrectsAsTheCLI to run instead of
// the in-process collector.
const builtCollector = "OTELCOL_CLOCKWATCH_BIN"

// TestPipelineCorrectsAsTheCLI runs config.example.yaml in-process (or in
// the built distribution named by $OTELCOL_CLOCKWATCH_BIN): spans
// of generated traces with known skew are posted to the OTLP/HTTP receiver
// on loopback, one request per host so that groupbytrace has to gather
// each trace, and the file exporter's output must have no causality
// violation left and the very timestamps `clockwatch trace correct` gives
// on the same input.
func TestPipelineCorrectsAsTheCLI(t *testing.T) {
	res, err := tracegen.Generate(tracegen.Scenarios(300)[1]) // wan-large-skew: 35–42ms offsets
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	out := filepath.Join(dir, "traces.jsonl")
	httpAddr, telemetryAddr := freeLoopbackAddr(t), freeLoopbackAddr(t)
	telemetryHost, telemetryPort, _ := net.SplitHostPort(telemetryAddr)
	t.Setenv("OTLP_GRPC_ENDPOINT", "127.0.0.1:0")
	t.Setenv("OTLP_HTTP_ENDPOINT", httpAddr)
	t.Setenv("GROUPBYTRACE_WAIT", "1s")
	t.Setenv("CLOCKWATCH_OFFSETS_FILE", writeOffsetsFile(t, res.Offsets))
	t.Setenv("TRACES_FILE", out)
	t.Setenv("TELEMETRY_HOST", telemetryHost)
	t.Setenv("TELEMETRY_PORT", telemetryPort)
	config := filepath.Join("..", "config.example.yaml")
	var stop func()
	if bin := os.Getenv(builtCollector); bin != "" {
		stop = execCollector(t, bin, config, httpAddr)
	} else {
		stop = runCollector(t, config)
	}

	for _, batch := range splitByResource(res.Traces) {
		postTraces(t, "http://"+httpAddr+"/v1/traces", batch)
	}
	want := res.Traces.SpanCount()
	var corrected ptrace.Traces
	eventually(t, fmt.Sprintf("all %d spans in the file exporter's output", want), func() bool {
		corrected = readOutput(t, out)
		return corrected.SpanCount() >= want
	})
	metrics := string(testlab.Get(t, "http://"+telemetryAddr+"/metrics"))
	stop()

	viaCLI := ptrace.NewTraces()
	res.Traces.CopyTo(viaCLI)
	c, err := tracecorrect.NewCorrector(res.Offsets, tracecorrect.Options{})
	if err != nil {
		t.Fatal(err)
	}
	c.Correct(viaCLI)
	recorded, _ := res.Truth.MeanAbsError(res.Traces)
	ours, err := res.Truth.MeanAbsError(corrected)
	if err != nil {
		t.Fatal(err)
	}
	cli, _ := res.Truth.MeanAbsError(viaCLI)
	t.Logf("mean |error| against true time: recorded %v, collector %v, CLI %v", recorded, ours, cli)
	if n := tracecorrect.Violations(corrected); n != 0 {
		t.Errorf("%d causality violations left in the collector's output, want 0", n)
	}
	if corrected.SpanCount() != want || ours != cli {
		t.Errorf("collector: %d spans, mean error %v; CLI on the same input: %d spans, %v", corrected.SpanCount(), ours, want, cli)
	}
	if diff := differentSpans(corrected, viaCLI); diff != 0 {
		t.Errorf("%d spans differ from the CLI's (times or attributes)", diff)
	}
	found := false
	for line := range strings.Lines(metrics) {
		if strings.Contains(line, "processor_clockwatch_") && !strings.HasPrefix(line, "#") {
			t.Logf("collector telemetry: %s", strings.TrimSpace(line))
			found = true
		}
	}
	if !found {
		t.Errorf("the collector's telemetry has no processor_clockwatch_ metric:\n%.2000s", metrics)
	}
}

// freeLoopbackAddr returns a loopback address whose port was free a moment
// ago.
func freeLoopbackAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// runCollector starts a collector with the distribution's components and
// the configuration file at path, waits until it runs, and returns a
// function that shuts it down and waits for it to end.
func runCollector(t *testing.T, path string) (stop func()) {
	t.Helper()
	col, err := otelcol.NewCollector(otelcol.CollectorSettings{
		BuildInfo:               component.BuildInfo{Command: "otelcol-clockwatch", Version: "test"},
		Factories:               factories,
		DisableGracefulShutdown: true,
		ConfigProviderSettings: otelcol.ConfigProviderSettings{ResolverSettings: confmap.ResolverSettings{
			URIs:              []string{"file:" + path},
			ProviderFactories: []confmap.ProviderFactory{fileprovider.NewFactory(), envprovider.NewFactory(), yamlprovider.NewFactory()},
			DefaultScheme:     "env",
		}},
	})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- col.Run(context.Background()) }()
	eventually(t, "running", func() bool {
		select {
		case err := <-done:
			t.Fatalf("collector stopped: %v", err)
		default:
		}
		return col.GetState() == otelcol.StateRunning
	})
	stopped := false
	stop = func() {
		if stopped {
			return
		}
		stopped = true
		col.Shutdown()
		if err := <-done; err != nil {
			t.Errorf("collector: %v", err)
		}
	}
	t.Cleanup(stop)
	return stop
}

// execCollector starts the collector binary bin with the configuration
// file at path, waits until its OTLP/HTTP receiver at httpAddr accepts
// connections, and returns a function that stops it with SIGTERM.
func execCollector(t *testing.T, bin, path, httpAddr string) (stop func()) {
	t.Helper()
	cmd := exec.Command(bin, "--config", "file:"+path)
	var logs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatalf("%s: %v", bin, err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	eventually(t, "accepting OTLP/HTTP", func() bool {
		select {
		case err := <-done:
			t.Fatalf("%s stopped: %v\n%s", bin, err, logs.String())
		default:
		}
		conn, err := net.Dial("tcp", httpAddr)
		if err == nil {
			conn.Close()
		}
		return err == nil
	})
	stopped := false
	stop = func() {
		if stopped {
			return
		}
		stopped = true
		cmd.Process.Signal(syscall.SIGTERM)
		if err := <-done; err != nil {
			t.Errorf("%s: %v\n%s", bin, err, logs.String())
		}
	}
	t.Cleanup(stop)
	return stop
}

// splitByResource makes one batch of each resource of td.
func splitByResource(td ptrace.Traces) []ptrace.Traces {
	var batches []ptrace.Traces
	for i := range td.ResourceSpans().Len() {
		b := ptrace.NewTraces()
		td.ResourceSpans().At(i).CopyTo(b.ResourceSpans().AppendEmpty())
		batches = append(batches, b)
	}
	return batches
}

// postTraces sends td as OTLP/HTTP protobuf.
func postTraces(t *testing.T, url string, td ptrace.Traces) {
	t.Helper()
	body, err := (&ptrace.ProtoMarshaler{}).MarshalTraces(td)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Post(url, "application/x-protobuf", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(resp.Body)
		t.Fatalf("POST %s: %s: %s", url, resp.Status, msg)
	}
}

// readOutput reads what the file exporter has written so far, up to its
// last whole line.
func readOutput(t *testing.T, path string) ptrace.Traces {
	t.Helper()
	all := ptrace.NewTraces()
	data, err := os.ReadFile(path)
	if err != nil {
		return all
	}
	if i := bytes.LastIndexByte(data, '\n'); i >= 0 {
		data = data[:i+1]
	} else {
		return all
	}
	batches, err := tracecorrect.ReadTraces(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("file exporter output: %v", err)
	}
	for _, b := range batches {
		b.ResourceSpans().MoveAndAppendTo(all.ResourceSpans())
	}
	return all
}

// differentSpans counts the spans of a whose times or attributes differ
// from the span with the same IDs in b.
func differentSpans(a, b ptrace.Traces) int {
	type key struct {
		trace [16]byte
		span  [8]byte
	}
	byID := map[key]ptrace.Span{}
	for s := range tracecorrect.Spans(b) {
		byID[key{s.TraceID(), s.SpanID()}] = s
	}
	n := 0
	for s := range tracecorrect.Spans(a) {
		o, ok := byID[key{s.TraceID(), s.SpanID()}]
		if !ok || s.StartTimestamp() != o.StartTimestamp() || s.EndTimestamp() != o.EndTimestamp() || !s.Attributes().Equal(o.Attributes()) {
			n++
		}
	}
	return n
}
