package tracecorrect_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/clockwatch/clockwatch/tracecorrect"
	"github.com/clockwatch/clockwatch/tracecorrect/tracegen"
)

// oneSpan is an OTLP JSON document with one span on host web-1.
const oneSpan = `{"resourceSpans": [{"resource": {"attributes": [{"key": "host.name", "value": {"stringValue": "web-1"}}]},
 "scopeSpans": [{"spans": [{"traceId": "5b8efff798038103d269b633813fc60c", "spanId": "eee19b7ec3c1b174", "name": "GET /",
 "kind": 2, "startTimeUnixNano": "1767225600000000000", "endTimeUnixNano": "1767225600001000000"}]}]}]}`

func TestReadTraces(t *testing.T) {
	tests := []struct {
		name      string
		in        string
		wantSpans []int // per batch
		wantErr   string
	}{
		{name: "empty input", in: "", wantSpans: nil},
		{name: "whitespace", in: " \n\t", wantSpans: nil},
		{name: "one document", in: oneSpan, wantSpans: []int{1}},
		{name: "file exporter lines", in: oneSpan + "\n" + `{"resourceSpans": []}` + "\n" + oneSpan + "\n", wantSpans: []int{1, 1}},
		{name: "two resources, one batch", in: twoResources, wantSpans: []int{2}},
		{name: "snake case key", in: strings.Replace(oneSpan, "resourceSpans", "resource_spans", 1), wantSpans: []int{1}},
		{name: "not JSON", in: "traces!", wantErr: `got text "traces!" at the start; want OTLP traces`},
		{name: "an array", in: `[1, 2]`, wantErr: `got a JSON array at the start; want OTLP traces`},
		{name: "a string after a document", in: oneSpan + ` "x"`, wantErr: `OTLP JSON document 2: got the string "x"; want an object`},
		{name: "empty object", in: `{}`, wantErr: `OTLP JSON document 1: got an empty object {}; want {"resourceSpans": [...]}`},
		{name: "Jaeger's JSON", in: `{"data": [{"traceID": "5b8e", "spans": [], "processes": {}}], "total": 0}`, wantErr: `got key "data": this looks like Jaeger's JSON`},
		{name: "another key", in: `{"resourceSpans": [], "partialSuccess": {}}`, wantErr: `got key "partialSuccess"; want an OTLP ExportTraceServiceRequest`},
		{name: "resourceSpans not an array", in: `{"resourceSpans": {}}`, wantErr: `resourceSpans is "{"; want an array`},
		{name: "truncated second document", in: oneSpan + `{"resourceSpans": [`, wantErr: "OTLP JSON document 2: the input ends inside the object"},
		{name: "brace inside a string", in: strings.Replace(oneSpan, `"GET /"`, `"GET /{\"}"`, 1), wantSpans: []int{1}},
		{name: "garbage inside the object", in: `{"resourceSpans": [}`, wantErr: "OTLP JSON document 1"},
		{name: "bad trace ID", in: strings.Replace(oneSpan, "5b8efff798038103d269b633813fc60c", "xyz", 1), wantErr: "OTLP JSON document 1, resourceSpans[0]:"},
		{name: "nested past encoding/json's depth", in: deeplyNested(20000), wantErr: "JSON nested more than 10000 levels deep"},
		{name: "protobuf message", in: string(protoBody(t, twoResources)), wantSpans: []int{2}},
		{name: "protobuf cut short", in: string(protoBody(t, twoResources)[:40]), wantErr: "OTLP protobuf, resource_spans[0]: the input ends inside a field"},
		{name: "file exporter, proto", in: string(framed(protoBody(t, oneSpan), protoBody(t, twoResources))), wantSpans: []int{1, 2}},
		{name: "file exporter, JSON and zstd", in: string(framed(zstdBytes(t, oneSpan), zstdBytes(t, oneSpan))), wantSpans: []int{1, 1}},
		{name: "file exporter, proto and zstd", in: string(framed(zstdBytes(t, string(protoBody(t, twoResources))))), wantSpans: []int{2}},
		{name: "file exporter, cut short", in: string(framed(protoBody(t, oneSpan))[:30]), wantErr: "length-prefixed message 1: the input ends inside a message of"},
		{name: "file exporter, absurd length", in: "\x00\xff\xff\xff\x0a", wantErr: "length-prefixed message 1: the input ends inside a message of 16777215 bytes"},
		{name: "zstd JSON lines", in: string(zstdBytes(t, oneSpan+"\n"+oneSpan+"\n")), wantSpans: []int{1, 1}},
		{name: "zstd proto", in: string(zstdBytes(t, string(protoBody(t, oneSpan)))), wantSpans: []int{1}},
		{name: "zstd, Jaeger inside", in: string(zstdBytes(t, `{"data": []}`)), wantErr: `got key "data"`},
		{name: "zstd, not traces inside", in: string(zstdBytes(t, "hello")), wantErr: `zstd-compressed input: got text "hello"`},
		{name: "binary garbage", in: "\x7f\x45\x4c\x46\x02\x01", wantErr: "got bytes 7f 45 4c 46 02 01 at the start"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			batches, err := tracecorrect.ReadTraces(strings.NewReader(tt.in))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(batches) != len(tt.wantSpans) {
				t.Fatalf("got %d batches, want %d", len(batches), len(tt.wantSpans))
			}
			for i, td := range batches {
				if td.SpanCount() != tt.wantSpans[i] {
					t.Errorf("batch %d has %d spans, want %d", i, td.SpanCount(), tt.wantSpans[i])
				}
			}
		})
	}
}

// twoResources is an OTLP JSON document with one span on each of two
// hosts.
var twoResources = strings.Replace(oneSpan, `{"resourceSpans": [`, `{"resourceSpans": [`+oneSpan[len(`{"resourceSpans": [`):len(oneSpan)-2]+`,`, 1)

func TestWriteTracesRoundTrip(t *testing.T) {
	res, err := tracegen.Generate(tracegen.Scenarios(5)[0])
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := tracecorrect.WriteTraces(&buf, []ptrace.Traces{res.Traces, res.Traces}); err != nil {
		t.Fatal(err)
	}
	if lines := strings.Count(buf.String(), "\n"); lines != 2 {
		t.Errorf("wrote %d lines, want one per batch", lines)
	}
	batches, err := tracecorrect.ReadTraces(&buf)
	if err != nil {
		t.Fatal(err)
	}
	for _, td := range batches {
		if d, err := res.Truth.MeanAbsError(td); err != nil || d != mustMeanAbsError(t, res) {
			t.Errorf("read back a batch with error %v (%v), want the one written", d, err)
		}
	}
}

// mustMeanAbsError is the recorded mean error of res.
func mustMeanAbsError(t *testing.T, res tracegen.Result) time.Duration {
	t.Helper()
	return meanAbsError(t, res.Truth, res.Traces)
}

// FuzzInputPath feeds arbitrary bytes through what the CLI does with its
// input: read, correct, count violations, run the baseline, write and read
// back, scan and stream. Malformed input must give an error, never a panic.
func FuzzInputPath(f *testing.F) {
	res, err := tracegen.Generate(tracegen.Scenarios(2)[5])
	if err != nil {
		f.Fatal(err)
	}
	var seed bytes.Buffer
	if err := tracecorrect.WriteTraces(&seed, []ptrace.Traces{res.Traces}); err != nil {
		f.Fatal(err)
	}
	f.Add(seed.Bytes())
	f.Add([]byte(oneSpan))
	f.Add([]byte(`{"resourceSpans": [{"scopeSpans": [{"spans": [{"traceId": "5b8efff798038103d269b633813fc60c", "spanId": "eee19b7ec3c1b174", "parentSpanId": "eee19b7ec3c1b174", "startTimeUnixNano": "18446744073709551615"}]}]}]}`))
	f.Add([]byte(`{"resourceSpans": [{"resource": {}}]} {"x": 1}`))
	f.Add(protoBody(f, oneSpan))
	f.Add(framed(protoBody(f, twoResources), zstdBytes(f, oneSpan)))
	f.Add(zstdBytes(f, oneSpan+"\n"+twoResources))
	corrector, err := tracecorrect.NewCorrector(res.Offsets, tracecorrect.Options{})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		batches, err := tracecorrect.ReadTraces(bytes.NewReader(in))
		if err != nil {
			if err.Error() == "" {
				t.Error("empty error message")
			}
			return
		}
		baseline := make([]ptrace.Traces, len(batches))
		for i, td := range batches {
			baseline[i] = cloneTraces(td)
		}
		tracecorrect.AdjustCausalityOnly("", baseline...)
		sum := corrector.Correct(batches...)
		if after := tracecorrect.Violations(batches...); after > sum.ViolationsBefore && sum.UnresolvedTraces == 0 {
			t.Errorf("violations grew from %d to %d with every trace resolved", sum.ViolationsBefore, after)
		}
		var out bytes.Buffer
		if err := tracecorrect.WriteTraces(&out, batches); err != nil {
			t.Fatal(err)
		}
		if _, err := tracecorrect.ReadTraces(&out); err != nil {
			t.Errorf("corrected output does not read back: %v", err)
		}
		scan, err := tracecorrect.ScanTraces(bytes.NewReader(in))
		if err != nil {
			t.Fatalf("ReadTraces read what ScanTraces cannot: %v", err)
		}
		if _, err := corrector.CorrectStream(bytes.NewReader(in), scan, nil); err != nil {
			t.Errorf("CorrectStream failed on a scanned input: %v", err)
		}
	})
}
