package main

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/klauspost/compress/zstd"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/clockwatch/clockwatch/tracecorrect"
	"github.com/clockwatch/clockwatch/tracecorrect/tracegen"
)

// traceFixture is a generated scenario written to files for the CLI.
type traceFixture struct {
	res          tracegen.Result
	dir          string
	in, offsets  string
	recordedMean time.Duration
}

// newTraceFixture writes the traces and offsets of a generated scenario
// with a host that runs no agent.
func newTraceFixture(t *testing.T) *traceFixture {
	t.Helper()
	res, err := tracegen.Generate(tracegen.Scenarios(40)[5])
	if err != nil {
		t.Fatal(err)
	}
	f := &traceFixture{res: res, dir: t.TempDir()}
	f.in = filepath.Join(f.dir, "in.json")
	f.offsets = filepath.Join(f.dir, "offsets.json")
	writeFile(t, f.in, func(w *bytes.Buffer) error { return tracecorrect.WriteTraces(w, []ptrace.Traces{res.Traces}) })
	writeFile(t, f.offsets, func(w *bytes.Buffer) error { return tracecorrect.EncodeOffsetsFile(w, res.Offsets) })
	f.recordedMean, err = res.Truth.MeanAbsError(res.Traces)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// writeFile writes what write produces to path.
func writeFile(t *testing.T, path string, write func(*bytes.Buffer) error) {
	t.Helper()
	var buf bytes.Buffer
	if err := write(&buf); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// checkCorrected reads corrected traces and checks them against the truth.
func (f *traceFixture) checkCorrected(t *testing.T, out []byte) {
	t.Helper()
	batches, err := tracecorrect.ReadTraces(bytes.NewReader(out))
	if err != nil {
		t.Fatalf("output: %v", err)
	}
	if v := tracecorrect.Violations(batches...); v != 0 {
		t.Errorf("%d causality violations left", v)
	}
	mean, err := f.res.Truth.MeanAbsError(batches...)
	if err != nil {
		t.Fatal(err)
	}
	if mean*5 > f.recordedMean {
		t.Errorf("mean error %v, recorded %v: want 5× lower", mean, f.recordedMean)
	}
}

// runCLI runs clockwatch-trace in-process and returns its exit code and
// output.
func runCLI(args ...string) (code int, stdout, stderr string) {
	var out, errOut bytes.Buffer
	code = execute(context.Background(), args, &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestTraceCorrectWithOffsetsFile(t *testing.T) {
	f := newTraceFixture(t)
	out := filepath.Join(f.dir, "out.json")
	code, _, stderr := runCLI("correct", "--in", f.in, "--out", out, "--offsets", f.offsets)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	body, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	f.checkCorrected(t, body)
	for _, want := range []string{`"clockwatch.correction_ns"`, `"offset+causality"`, `"causality"`} {
		if !bytes.Contains(body, []byte(want)) {
			t.Errorf("output lacks %s", want)
		}
	}
	if !strings.Contains(stderr, "hosts without offsets were corrected by causality alone") || !strings.Contains(stderr, "stock") {
		t.Errorf("no warning about the unmeasured host in the log:\n%s", stderr)
	}
}

func TestTraceCorrectDryRun(t *testing.T) {
	f := newTraceFixture(t)
	out := filepath.Join(f.dir, "out.json")
	code, stdout, stderr := runCLI("correct", "--in", f.in, "--out", out, "--offsets", f.offsets, "--dry-run")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{"spans moved:", "largest shift:", "violations after:    0", "causality-only hosts (no offsets): stock"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("summary lacks %q:\n%s", want, stdout)
		}
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("--dry-run wrote %s", out)
	}
}

func TestTraceCorrectFromAgents(t *testing.T) {
	f := newTraceFixture(t)
	var args []string
	for host, ms := range f.res.Offsets {
		srv := httptest.NewServer(historyHandler(host, ms))
		t.Cleanup(srv.Close)
		args = append(args, "--agent.url", srv.URL)
	}
	code, stdout, stderr := runCLI(append([]string{"correct", "--in", f.in}, args...)...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	f.checkCorrected(t, []byte(stdout))
}

// historyHandler serves GET /api/v1/history of one agent.
func historyHandler(host string, ms []tracecorrect.Measurement) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		since, err := time.Parse(time.RFC3339Nano, r.URL.Query().Get("since"))
		if r.URL.Path != "/api/v1/history" || err != nil {
			http.Error(w, "want GET /api/v1/history?since=RFC3339Nano", http.StatusBadRequest)
			return
		}
		var estimates []string
		for _, m := range ms {
			if !m.Time.Before(since) {
				estimates = append(estimates, fmt.Sprintf(`{"time": %q, "offset_seconds": %v, "error_bound_seconds": %v, "synchronized": true}`,
					m.Time.Format(time.RFC3339Nano), m.Offset.Seconds(), m.ErrorBound.Seconds()))
			}
		}
		fmt.Fprintf(w, `{"host": %q, "estimates": [%s]}`, host, strings.Join(estimates, ","))
	})
}

func TestTraceCorrectFromPrometheus(t *testing.T) {
	f := newTraceFixture(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		metric := "offset"
		if strings.Contains(r.FormValue("query"), "clockwatch_error_bound_seconds") {
			metric = "bound"
		}
		var series []string
		for host, ms := range f.res.Offsets {
			var values []string
			for _, m := range ms {
				v := m.Offset.Seconds()
				if metric == "bound" {
					v = m.ErrorBound.Seconds()
				}
				values = append(values, fmt.Sprintf(`[%d.%09d, "%v"]`, m.Time.Unix(), m.Time.Nanosecond(), v))
			}
			series = append(series, fmt.Sprintf(`{"metric": {"host": %q}, "values": [%s]}`, host, strings.Join(values, ",")))
		}
		fmt.Fprintf(w, `{"status": "success", "data": {"resultType": "matrix", "result": [%s]}}`, strings.Join(series, ","))
	}))
	defer srv.Close()
	code, stdout, stderr := runCLI("correct", "--in", f.in, "--prometheus.url", srv.URL, "--prometheus.host-label", "host")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	f.checkCorrected(t, []byte(stdout))
}

// TestClockwatchTraceRunsIt: `clockwatch trace correct` runs the
// clockwatch-trace installed beside clockwatch with the same arguments,
// standard input and output passed through.
func TestClockwatchTraceRunsIt(t *testing.T) {
	f := newTraceFixture(t)
	in, err := os.Open(f.in)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	cmd := exec.Command(binaries.clockwatch, "trace", "correct", "--offsets", f.offsets)
	cmd.Stdin = in
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%v: %s", err, stderr.String())
	}
	f.checkCorrected(t, stdout.Bytes())
}

// TestTraceCorrectReadsEveryForm corrects the same traces written in each
// form the collector writes them: the output is the same for all.
func TestTraceCorrectReadsEveryForm(t *testing.T) {
	f := newTraceFixture(t)
	jsonLines, err := os.ReadFile(f.in)
	if err != nil {
		t.Fatal(err)
	}
	body, err := (&ptrace.ProtoMarshaler{}).MarshalTraces(f.res.Traces)
	if err != nil {
		t.Fatal(err)
	}
	enc, err := zstd.NewWriter(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer enc.Close()
	forms := map[string][]byte{
		"protobuf":                      body,
		"file exporter proto":           binary.BigEndian.AppendUint32(nil, uint32(len(body))),
		"zstd JSON lines":               enc.EncodeAll(jsonLines, nil),
		"file exporter JSON with zstd":  nil,
		"file exporter proto with zstd": nil,
	}
	forms["file exporter proto"] = append(forms["file exporter proto"], body...)
	for name, plain := range map[string][]byte{"file exporter JSON with zstd": jsonLines, "file exporter proto with zstd": body} {
		compressed := enc.EncodeAll(plain, nil)
		forms[name] = append(binary.BigEndian.AppendUint32(nil, uint32(len(compressed))), compressed...)
	}
	_, want, stderr := runCLI("correct", "--in", f.in, "--offsets", f.offsets)
	for name, data := range forms {
		t.Run(name, func(t *testing.T) {
			in := filepath.Join(t.TempDir(), "in")
			if err := os.WriteFile(in, data, 0o644); err != nil {
				t.Fatal(err)
			}
			code, got, stderr2 := runCLI("correct", "--in", in, "--offsets", f.offsets)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, stderr2)
			}
			f.checkCorrected(t, []byte(got))
			if got != want {
				t.Errorf("output differs from the one of OTLP JSON (%s)", stderr)
			}
		})
	}
}

func TestTraceCorrectErrors(t *testing.T) {
	f := newTraceFixture(t)
	badJSON := filepath.Join(f.dir, "bad.json")
	if err := os.WriteFile(badJSON, []byte(`{"resourceSpans": [{"scopeSpans": [{"spans": [{"traceId": 7}]}]}]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	jaeger := filepath.Join(f.dir, "jaeger.json")
	if err := os.WriteFile(jaeger, []byte(`{"data": [{"traceID": "5b8efff798038103", "spans": [], "processes": {}}], "total": 0, "limit": 0, "offset": 0, "errors": null}`), 0o644); err != nil {
		t.Fatal(err)
	}
	empty := filepath.Join(f.dir, "empty.json")
	if err := os.WriteFile(empty, []byte("{}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()
	tests := []struct {
		name    string
		args    []string
		wantErr string
	}{
		{"missing input", []string{"--in", filepath.Join(f.dir, "none.json")}, "--in: open"},
		{"malformed OTLP", []string{"--in", badJSON}, "--in " + badJSON + ": OTLP JSON document 1, resourceSpans[0]:"},
		{"Jaeger's JSON", []string{"--in", jaeger}, `--in ` + jaeger + `: OTLP JSON document 1: got key "data": this looks like Jaeger's JSON`},
		{"an empty object", []string{"--in", empty}, `OTLP JSON document 1: got an empty object {}; want {"resourceSpans": [...]}`},
		{"traces as offsets", []string{"--in", f.in, "--offsets", f.in}, `no "hosts" object`},
		{"agent not running", []string{"--in", f.in, "--agent.url", closed.URL}, "is the agent running"},
		{"bad Prometheus label", []string{"--in", f.in, "--prometheus.url", closed.URL, "--prometheus.host-label", "host.name"}, "not a label name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := runCLI(append([]string{"correct"}, tt.args...)...)
			if code != 1 || !strings.Contains(stderr, tt.wantErr) {
				t.Errorf("exit %d, stderr %q; want 1 and %q", code, stderr, tt.wantErr)
			}
		})
	}
}

func TestTraceCorrectHelp(t *testing.T) {
	code, stdout, _ := runCLI("help", "correct")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	for _, flag := range []string{"--in", "--out", "--offsets", "--agent.url", "--prometheus.url", "--prometheus.host-label=\"instance\"", "--host-attribute=ATTRIBUTE", "host.id, host.ip, host.name, k8s.node.name", "dry-run", "minimal-shifts", "--max-age"} {
		if !strings.Contains(stdout, flag) {
			t.Errorf("help lacks %s", flag)
		}
	}
}

func TestTraceCorrectFromRunningAgent(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the demo agent and waits for its estimates")
	}
	agent := startDemo(t)
	var history struct {
		Host      string `json:"host"`
		Estimates []struct {
			Synchronized bool `json:"synchronized"`
		} `json:"estimates"`
	}
	deadline := time.Now().Add(20 * time.Second)
	for synchronized := 0; synchronized < 2; {
		if time.Now().After(deadline) {
			t.Fatalf("the demo agent published no synchronized estimates in 20s: %+v", history)
		}
		time.Sleep(200 * time.Millisecond)
		if err := json.Unmarshal(agent.get(t, "/api/v1/history"), &history); err != nil {
			t.Fatal(err)
		}
		synchronized = 0
		for _, e := range history.Estimates {
			if e.Synchronized {
				synchronized++
			}
		}
	}
	now := time.Now()
	td := ptrace.NewTraces()
	rs := td.ResourceSpans().AppendEmpty()
	rs.Resource().Attributes().PutStr("host.name", history.Host)
	span := rs.ScopeSpans().AppendEmpty().Spans().AppendEmpty()
	span.SetTraceID(pcommon.TraceID{1})
	span.SetSpanID(pcommon.SpanID{1})
	span.SetStartTimestamp(pcommon.NewTimestampFromTime(now.Add(-100 * time.Millisecond)))
	span.SetEndTimestamp(pcommon.NewTimestampFromTime(now))
	in := filepath.Join(t.TempDir(), "in.json")
	writeFile(t, in, func(w *bytes.Buffer) error { return tracecorrect.WriteTraces(w, []ptrace.Traces{td}) })

	code, stdout, stderr := runCLI("correct", "--in", in, "--agent.url", agent.url)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(stdout, `"stringValue":"`+tracecorrect.CorrectionSourceOffset+`"`) {
		t.Errorf("the span on the agent's host %q was not corrected by its offsets:\n%s\n%s", history.Host, stdout, stderr)
	}
}
