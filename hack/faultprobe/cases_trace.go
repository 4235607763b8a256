//go:build linux

package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
)

// traceMaxRSS is the most memory trace correction may take on the probe's
// inputs: streaming holds one trace at a time, not the file.
const traceMaxRSS = 256 << 20

// traceCorrectLargeFile (item 10): trace correction of a 200 MB OTLP file,
// and of a 28 MB deeply nested one, takes memory for a trace, not for the
// file.
func traceCorrectLargeFile(ctx context.Context, p *probe) (string, error) {
	var saw []string
	for _, input := range []struct {
		name  string
		write func(path string) error
	}{
		{"200 MB of traces", func(path string) error { return writeTraces(path, 200<<20) }},
		{"28 MB deeply nested", func(path string) error { return writeNested(path, 28<<20) }},
	} {
		path := filepath.Join(p.dir, strings.ReplaceAll(input.name, " ", "-")+".json")
		if err := input.write(path); err != nil {
			return "", err
		}
		rss, err := traceCorrect(ctx, p, path)
		os.Remove(path)
		if err != nil {
			return "", err
		}
		if rss > traceMaxRSS {
			return "", fmt.Errorf("%s: peak RSS %d MiB", input.name, rss>>20)
		}
		saw = append(saw, fmt.Sprintf("%s: peak RSS %d MiB", input.name, rss>>20))
	}
	return strings.Join(saw, "; "), nil
}

// traceCorrect runs trace correction on path, writing nothing, and returns
// its peak resident memory in bytes. An error exit is fine (the nested file
// may be refused); a crash or a kill is not.
func traceCorrect(ctx context.Context, p *probe, path string) (int64, error) {
	args := []string{"correct", "--in", path, "--dry-run"}
	cmd := exec.CommandContext(ctx, p.traceBinary, args...)
	if p.traceBinary == "" {
		cmd = exec.CommandContext(ctx, p.binary, append([]string{"trace"}, args...)...)
	}
	out, err := cmd.CombinedOutput()
	state := cmd.ProcessState
	if state == nil {
		return 0, fmt.Errorf("trace correct did not run: %v", err)
	}
	if ws, ok := state.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return 0, fmt.Errorf("trace correct killed by %v: %s", ws.Signal(), lastLine(string(out)))
	}
	return state.SysUsage().(*syscall.Rusage).Maxrss << 10, nil
}

// writeTraces writes OTLP JSON lines of size bytes: traces of a client span
// on one host and a server span on another.
func writeTraces(path string, size int64) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	w := bufio.NewWriter(f)
	const line = `{"resourceSpans":[` +
		`{"resource":{"attributes":[{"key":"host.name","value":{"stringValue":"web-1"}}]},"scopeSpans":[{"spans":[{"traceId":"%032x","spanId":"%016x","name":"GET /","kind":3,"startTimeUnixNano":"%d","endTimeUnixNano":"%d"}]}]},` +
		`{"resource":{"attributes":[{"key":"host.name","value":{"stringValue":"db-1"}}]},"scopeSpans":[{"spans":[{"traceId":"%032x","spanId":"%016x","parentSpanId":"%016x","name":"query","kind":2,"startTimeUnixNano":"%d","endTimeUnixNano":"%d"}]}]}]}` + "\n"
	const start = 1_780_000_000_000_000_000
	var written int64
	for i := int64(1); written < size; i++ {
		t := start + i*1_000_000
		n, err := fmt.Fprintf(w, line, i, 2*i, t, t+900_000, i, 2*i+1, 2*i, t+150_000, t+700_000)
		if err != nil {
			return err
		}
		written += int64(n)
	}
	return w.Flush()
}

// writeNested writes one OTLP JSON object of about size bytes whose span
// carries an attribute nested as deep as the size allows.
func writeNested(path string, size int64) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	w := bufio.NewWriter(f)
	const open, closing = `{"kvlistValue":{"values":[{"key":"k","value":`, `}]}}`
	depth := int(size) / (len(open) + len(closing))
	fmt.Fprint(w, `{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"0102030405060708090a0b0c0d0e0f10","spanId":"0102030405060708","name":"deep","attributes":[{"key":"deep","value":`)
	for range depth {
		w.WriteString(open)
	}
	w.WriteString(`{"stringValue":"bottom"}`)
	for range depth {
		w.WriteString(closing)
	}
	fmt.Fprint(w, "}]}]}]}]}\n")
	return w.Flush()
}
