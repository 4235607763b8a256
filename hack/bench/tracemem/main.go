// Command tracemem measures the peak resident memory of `clockwatch-trace
// correct` on large inputs (issue 22: the CLI must hold the traces in
// flight, not the input). It writes, in a temporary folder,
//
//   - big.jsonl: about -size MB of OTLP JSON lines as the collector's file
//     exporter writes them, generated traces cut into batches of -batch
//     spans in the order their spans end, so traces straddle batches;
//   - nested.json: a 28 MB document whose one attribute nests kvlistValues
//     600,000 deep;
//
// then runs the given binary on each under GNU time (Debian: time), offsets
// file included and output to a file, and prints the input's size, the
// peak RSS, the time and the result.
//
//	go build -o /tmp/clockwatch-trace ./cmd/clockwatch-trace
//	go run ./hack/bench/tracemem -bin /tmp/clockwatch-trace
package main

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/clockwatch/clockwatch/tracecorrect"
	"github.com/clockwatch/clockwatch/tracecorrect/tracegen"
)

// epoch is when the generated traces begin, one hour later per scenario.
var epoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func main() {
	bin := flag.String("bin", "", "the clockwatch-trace binary to measure")
	sizeMB := flag.Int("size", 200, "size of the large input in MB")
	batch := flag.Int("batch", 8192, "spans per batch of the large input (the batch processor's default)")
	keep := flag.String("keep", "", "write the inputs to this folder and keep them, to measure them again (with /usr/bin/time -v, say)")
	flag.Parse()
	if *bin == "" {
		fmt.Fprintln(os.Stderr, "tracemem: -bin is required: build cmd/clockwatch-trace first")
		os.Exit(2)
	}
	dir := *keep
	if dir == "" {
		var err error
		dir, err = os.MkdirTemp("", "tracemem-")
		check(err)
		defer os.RemoveAll(dir)
	}
	offsets := filepath.Join(dir, "offsets.json")
	big := filepath.Join(dir, "big.jsonl")
	check(writeLarge(big, offsets, *sizeMB<<20, *batch))
	nested := filepath.Join(dir, "nested.json")
	check(os.WriteFile(nested, deeplyNested(600_000), 0o644))
	fmt.Printf("%-12s %10s %12s %9s  %s\n", "input", "size", "peak RSS", "time", "result")
	for _, in := range []string{big, nested} {
		measure(*bin, in, offsets, filepath.Join(dir, "out.jsonl"))
	}
}

// writeLarge writes generated traces of about size bytes as the file
// exporter would, and their offsets.
func writeLarge(path, offsetsPath string, size, batch int) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	w := tracecorrect.NewTraceWriter(f)
	all := tracecorrect.Offsets{}
	written := int64(0)
	for seed := uint64(1); written < int64(size); seed++ {
		sc := tracegen.Scenarios(5000)[seed%6]
		sc.Seed, sc.Start = seed, epoch.Add(time.Duration(seed)*time.Hour)
		res, err := tracegen.Generate(sc)
		if err != nil {
			return err
		}
		for host, ms := range res.Offsets {
			all[host] = append(all[host], ms...)
		}
		for _, td := range tracegen.InArrivalOrder(res.Traces, batch) {
			if err := w.Write(td); err != nil {
				return err
			}
		}
		if err := w.Flush(); err != nil {
			return err
		}
		if info, err := f.Stat(); err == nil {
			written = info.Size()
		}
	}
	var buf bytes.Buffer
	if err := tracecorrect.EncodeOffsetsFile(&buf, all); err != nil {
		return err
	}
	return os.WriteFile(offsetsPath, buf.Bytes(), 0o644)
}

// deeplyNested is a document whose one attribute value nests depth
// kvlistValues.
func deeplyNested(depth int) []byte {
	const open, close = `{"kvlistValue":{"values":[{"key":"k","value":`, `}]}}`
	var b bytes.Buffer
	b.WriteString(`{"resourceSpans":[{"resource":{"attributes":[{"key":"deep","value":`)
	b.WriteString(strings.Repeat(open, depth))
	b.WriteString(`{"intValue":"1"}`)
	b.WriteString(strings.Repeat(close, depth))
	b.WriteString(`}]}}]}` + "\n")
	return b.Bytes()
}

// measure runs bin on in under GNU time, which reads the peak RSS of its
// own small child (the rusage of a child forked from this process would
// count this process's memory too), and prints it.
func measure(bin, in, offsets, out string) {
	info, err := os.Stat(in)
	check(err)
	cmd := exec.Command(gnuTime, "-f", timeFormat, bin, "correct", "--in", in, "--offsets", offsets, "--out", out)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	runErr := cmd.Run()
	var rssKB int64
	var seconds float64
	lines := strings.Split(strings.TrimSpace(stderr.String()), "\n")
	if _, err := fmt.Sscanf(lines[len(lines)-1], "tracemem: %d KB %f s", &rssKB, &seconds); err != nil {
		check(fmt.Errorf("%s did not report: %s", gnuTime, stderr.String()))
	}
	result := "ok"
	if runErr != nil {
		result = lastLine(strings.Join(lines[:len(lines)-1], "\n"))
	}
	fmt.Printf("%-12s %8.1fMB %10.1fMB %8.1fs  %.160s\n", filepath.Base(in), float64(info.Size())/(1<<20), float64(rssKB)/1024, seconds, result)
}

// gnuTime and timeFormat measure a command's peak RSS (KB) and time (s);
// measure parses the line back.
const (
	gnuTime    = "/usr/bin/time" // Debian: time
	timeFormat = "tracemem: %M KB %e s"
)

// lastLine is the last non-empty line of s that is not GNU time's own.
func lastLine(s string) string {
	var last string
	sc := bufio.NewScanner(strings.NewReader(s))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		if strings.TrimSpace(sc.Text()) != "" && !strings.HasPrefix(sc.Text(), "Command exited with non-zero status") {
			last = sc.Text()
		}
	}
	return last
}

// check exits on err.
func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "tracemem:", err)
		os.Exit(1)
	}
}
