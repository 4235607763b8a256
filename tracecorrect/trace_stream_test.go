package tracecorrect_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/clockwatch/clockwatch/tracecorrect"
	"github.com/clockwatch/clockwatch/tracecorrect/tracegen"
)

// TestCorrectStreamAsCorrect streams generated traces cut into small
// batches, so that most traces span several, and checks that every span
// comes out as Correct on the whole input makes it, with the same summary.
func TestCorrectStreamAsCorrect(t *testing.T) {
	for _, sc := range tracegen.Scenarios(150) {
		t.Run(sc.Name, func(t *testing.T) {
			res, err := tracegen.Generate(sc)
			if err != nil {
				t.Fatal(err)
			}
			var in bytes.Buffer
			if err := tracecorrect.WriteTraces(&in, cutIntoBatches(res.Traces, 7)); err != nil {
				t.Fatal(err)
			}
			c, err := tracecorrect.NewCorrector(res.Offsets, tracecorrect.Options{})
			if err != nil {
				t.Fatal(err)
			}
			scan, err := tracecorrect.ScanTraces(bytes.NewReader(in.Bytes()))
			if err != nil {
				t.Fatal(err)
			}
			var out bytes.Buffer
			w := tracecorrect.NewTraceWriter(&out)
			streamed, err := c.CorrectStream(bytes.NewReader(in.Bytes()), scan, w.Write)
			if err != nil {
				t.Fatal(err)
			}
			if err := w.Flush(); err != nil {
				t.Fatal(err)
			}
			whole := cloneTraces(res.Traces)
			want := c.Correct(whole)
			if !reflect.DeepEqual(streamed, want) {
				t.Errorf("streamed summary %+v, want %+v", streamed, want)
			}
			batches, err := tracecorrect.ReadTraces(&out)
			if err != nil {
				t.Fatal(err)
			}
			if n := spanDifferences(t, batches, whole); n != 0 {
				t.Errorf("%d spans differ from Correct's", n)
			}
			if scan.Spans() != res.Traces.SpanCount() || scan.Traces() != sc.Traces {
				t.Errorf("scan found %d spans in %d traces, want %d in %d", scan.Spans(), scan.Traces(), res.Traces.SpanCount(), sc.Traces)
			}
		})
	}
}

// cutIntoBatches puts every n spans of td, in order, in a batch of their
// own under copies of their resource and scope.
func cutIntoBatches(td ptrace.Traces, n int) []ptrace.Traces {
	var batches []ptrace.Traces
	var cur ptrace.Traces
	count := 0
	rss := td.ResourceSpans()
	for i := range rss.Len() {
		sss := rss.At(i).ScopeSpans()
		for j := range sss.Len() {
			spans := sss.At(j).Spans()
			for k := range spans.Len() {
				if count%n == 0 {
					cur = ptrace.NewTraces()
					batches = append(batches, cur)
				}
				count++
				rs := cur.ResourceSpans().AppendEmpty()
				rss.At(i).Resource().CopyTo(rs.Resource())
				ss := rs.ScopeSpans().AppendEmpty()
				sss.At(j).Scope().CopyTo(ss.Scope())
				spans.At(k).CopyTo(ss.Spans().AppendEmpty())
			}
		}
	}
	return batches
}

// spanDifferences counts the spans of got whose times or attributes
// differ from the span with the same IDs in want.
func spanDifferences(t *testing.T, got []ptrace.Traces, want ptrace.Traces) int {
	t.Helper()
	type key struct {
		trace pcommon.TraceID
		span  pcommon.SpanID
	}
	byID := map[key]ptrace.Span{}
	for s := range tracecorrect.Spans(want) {
		byID[key{s.TraceID(), s.SpanID()}] = s
	}
	n, seen := 0, 0
	for s := range tracecorrect.Spans(got...) {
		seen++
		w, ok := byID[key{s.TraceID(), s.SpanID()}]
		if !ok || s.StartTimestamp() != w.StartTimestamp() || s.EndTimestamp() != w.EndTimestamp() || !s.Attributes().Equal(w.Attributes()) {
			n++
		}
	}
	if seen != len(byID) {
		t.Errorf("%d spans out, %d in", seen, len(byID))
	}
	return n
}

// TestCorrectStreamWritesBatchesWhenTheirTracesEnd streams three batches:
// trace 1 in the first and third, trace 2 in the second. The second is
// written first, as soon as it is read; the first waits for the third.
func TestCorrectStreamWritesBatchesWhenTheirTracesEnd(t *testing.T) {
	batch := func(trace byte, name string) string {
		return `{"resourceSpans": [{"scopeSpans": [{"spans": [{"traceId": "0` + string('0'+trace) + `000000000000000000000000000000", "spanId": "000000000000000` + name + `", "name": "` + name + `"}]}]}]}` + "\n"
	}
	in := batch(1, "a") + batch(2, "b") + batch(1, "c")
	scan, err := tracecorrect.ScanTraces(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	c, _ := tracecorrect.NewCorrector(nil, tracecorrect.Options{})
	var order []string
	_, err = c.CorrectStream(strings.NewReader(in), scan, func(td ptrace.Traces) error {
		for s := range tracecorrect.Spans(td) {
			order = append(order, s.Name())
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(order, ","); got != "b,a,c" {
		t.Errorf("written in the order %s, want b,a,c", got)
	}
	if _, err := c.CorrectStream(strings.NewReader(in+batch(3, "d")), scan, nil); err == nil || !strings.Contains(err.Error(), "the input changed") {
		t.Errorf("another input than scanned: %v, want an error saying the input changed", err)
	}
}

// TestTraceCorrectMemoryFollowsTracesNotInput is issue 22's `trace
// correct` on a 200 MB file peaking at 1 GB: a stream of about 30 MB of
// OTLP JSON lines, its spans in the order they end as a collector writes
// them, must be corrected with a live heap of a few batches, checked after
// a garbage collection at every 50th batch written.
func TestTraceCorrectMemoryFollowsTracesNotInput(t *testing.T) {
	if testing.Short() {
		t.Skip("writes and streams about 20 MB")
	}
	path := filepath.Join(t.TempDir(), "traces.jsonl")
	file, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := tracecorrect.NewTraceWriter(file)
	offsets := tracecorrect.Offsets{}
	for seed := range uint64(2) {
		sc := tracegen.Scenarios(3000)[3]
		sc.Seed, sc.Start = seed+1, t0.Add(time.Duration(seed)*time.Hour)
		res, err := tracegen.Generate(sc)
		if err != nil {
			t.Fatal(err)
		}
		offsets.Merge(res.Offsets)
		for _, td := range tracegen.InArrivalOrder(res.Traces, 256) {
			if err := w.Write(td); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := errors.Join(w.Flush(), file.Close()); err != nil {
		t.Fatal(err)
	}
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	c, err := tracecorrect.NewCorrector(offsets, tracecorrect.Options{})
	if err != nil {
		t.Fatal(err)
	}
	scan := scanFile(t, path)
	in, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base, peak, written := ms.HeapAlloc, uint64(0), 0
	_, err = c.CorrectStream(in, scan, func(ptrace.Traces) error {
		if written++; written%50 == 0 {
			runtime.GC()
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapAlloc-min(base, ms.HeapAlloc))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("input %.1f MB in %d batches, live heap at most %.1f MB above the start", float64(info.Size())/1e6, written, float64(peak)/1e6)
	if peak > uint64(info.Size())/4 {
		t.Errorf("live heap grew by %d bytes streaming %d: it follows the input, not the traces in flight", peak, info.Size())
	}
}

// scanFile scans the traces in the file at path.
func scanFile(t *testing.T, path string) *tracecorrect.TraceScan {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	scan, err := tracecorrect.ScanTraces(f)
	if err != nil {
		t.Fatal(err)
	}
	return scan
}
