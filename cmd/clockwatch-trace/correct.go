package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/alecthomas/kingpin/v2"
	promapi "github.com/prometheus/client_golang/api"
	promv1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/clockwatch/clockwatch/internal/cli"
	"github.com/clockwatch/clockwatch/tracecorrect"
)

// traceCorrectFlags are the flags of `clockwatch-trace correct`.
type traceCorrectFlags struct {
	in, out             string
	offsetsFiles        []string
	agentURLs           []string
	prometheusURL       string
	prometheusHostLabel string
	prometheusStep      time.Duration
	hostAttributes      []string
	maxAge              time.Duration
	minimalShifts       bool
	dryRun              bool
	timeout             time.Duration
}

// traceCorrectHelp introduces `clockwatch-trace correct`.
const traceCorrectHelp = `Correct the span timestamps of OTLP traces recorded on hosts whose clocks were off.

Each span is first moved by its host's offset as clockwatch measured it (offset = host clock − true time, interpolated between measurements); remaining causality violations (a child starting before its parent, a SERVER span outside its CLIENT span) are then removed with the smallest per-host shift that stays within each host's error bound, and, unless --minimal-shifts, each host's shift moves within its bound toward what the timing of its CLIENT–SERVER calls says. Hosts without offsets are moved by causality alone. Every moved span gets the attributes clockwatch.correction_ns and clockwatch.correction_source.

Offsets come from --offsets files, clockwatch agents (--agent.url) and Prometheus (--prometheus.url), all of them merged; a span's host is the value of the first --host-attribute that names a host with offsets.

The input is read twice (standard input is copied to a temporary file for that): once to check it and find where each trace ends, once to correct each trace as soon as its last span is read, so memory follows the traces in flight, not the input.`

// registerCorrect adds `clockwatch-trace correct`.
func registerCorrect(app *kingpin.Application, commands map[string]cli.Runner) {
	cmd := app.Command("correct", traceCorrectHelp)
	f := &traceCorrectFlags{}
	cmd.Flag("in", "OTLP traces to read, in any form the OpenTelemetry Collector writes them: OTLP JSON objects (one per line as the file exporter writes them, or one after the other), an OTLP protobuf message, the file exporter's length-prefixed proto or compressed messages, or any of these zstd-compressed; - reads standard input.").Default("-").StringVar(&f.in)
	cmd.Flag("out", "Where to write the corrected traces as OTLP JSON lines, one object per resource's spans read, each written as soon as its traces are corrected (so their order may change); - writes standard output.").Default("-").StringVar(&f.out)
	cmd.Flag("offsets", `Offsets file (repeatable): {"hosts": {"HOST": [{"time": RFC3339Nano, "offset_seconds": f, "error_bound_seconds": f}, ...]}}, time on the host's clock, offset = host clock − true time.`).PlaceHolder("FILE").StringsVar(&f.offsetsFiles)
	cmd.Flag("agent.url", "Base URL of a clockwatch agent (repeatable, one per host): its offset history is read from GET /api/v1/history and matched by the host name the agent reports.").PlaceHolder("URL").StringsVar(&f.agentURLs)
	cmd.Flag("prometheus.url", "Base URL of a Prometheus server that scrapes clockwatch agents: clockwatch_offset_seconds and clockwatch_error_bound_seconds are read with range queries covering the traces.").PlaceHolder("URL").StringVar(&f.prometheusURL)
	cmd.Flag("prometheus.host-label", "The Prometheus label that names the host; a trailing :PORT of its value is dropped, so the default instance=\"web-1:9896\" matches host web-1.").Default(tracecorrect.DefaultPrometheusHostLabel).StringVar(&f.prometheusHostLabel)
	cmd.Flag("prometheus.step", "Resolution of the Prometheus range queries; use the scrape interval.").Default("15s").DurationVar(&f.prometheusStep)
	cmd.Flag("host-attribute", "Resource attribute whose value names a span's host, as the offsets name it (repeatable, tried in turn: the first that names a host with offsets wins); default "+strings.Join(tracecorrect.DefaultHostAttributes, ", ")+".").PlaceHolder("ATTRIBUTE").Default(tracecorrect.DefaultHostAttributes...).StringsVar(&f.hostAttributes)
	cmd.Flag("max-age", "A host's offsets are used for a trace only if a measurement lies within this of its spans; otherwise the host is corrected by causality alone.").Default(tracecorrect.DefaultMaxAge.String()).DurationVar(&f.maxAge)
	cmd.Flag("minimal-shifts", "Only remove causality violations. Without it, each host's shift also moves, within its bound, toward what its CLIENT–SERVER calls' timing says, which helps when bounds are wider than network delays.").BoolVar(&f.minimalShifts)
	cmd.Flag("dry-run", "Write no traces; print a summary instead: spans moved, causality violations before and after, the largest shift, and the hosts without offsets.").BoolVar(&f.dryRun)
	cmd.Flag("timeout", "How long to wait for each agent and for Prometheus.").Default("30s").DurationVar(&f.timeout)
	commands["correct"] = func(ctx context.Context, env *cli.Env) error { return runTraceCorrect(ctx, env, f) }
}

// runTraceCorrect is `clockwatch-trace correct`.
func runTraceCorrect(ctx context.Context, c *cli.Env, f *traceCorrectFlags) error {
	in, err := openTraceInput(f.in)
	if err != nil {
		return err
	}
	defer in.close()
	scan, err := tracecorrect.ScanTraces(in.first)
	if err != nil {
		return fmt.Errorf("--in %s: %w", f.in, err)
	}
	offsets, err := gatherOffsets(ctx, c.Logger, f, scan)
	if err != nil {
		return err
	}
	corrector, err := tracecorrect.NewCorrector(offsets, tracecorrect.Options{
		HostAttributes: f.hostAttributes,
		MaxAge:         f.maxAge,
		MinimalShifts:  f.minimalShifts,
	})
	if err != nil {
		return err
	}
	out, err := createTraceOutput(f.out, c.Stdout, f.dryRun)
	if err != nil {
		return err
	}
	second, err := in.again()
	if err != nil {
		return err
	}
	sum, err := corrector.CorrectStream(second, scan, out.write)
	if err != nil {
		out.close()
		return fmt.Errorf("--in %s: %w", f.in, err)
	}
	logSummary(c.Logger, sum)
	if err := out.close(); err != nil {
		return err
	}
	if f.dryRun {
		return sum.WriteText(c.Stdout)
	}
	return nil
}

// traceInput is --in, read twice: a file is opened again; standard input
// is copied to a temporary file as the first reading goes.
type traceInput struct {
	path  string
	first io.Reader
	file  *os.File // the input file, or the copy of standard input
	spool bool
}

// openTraceInput opens path, or standard input for "-", for its first
// reading.
func openTraceInput(path string) (*traceInput, error) {
	if path != "-" {
		file, err := os.Open(path)
		if err != nil {
			return nil, fmt.Errorf("--in: %w", err)
		}
		return &traceInput{path: path, first: file, file: file}, nil
	}
	spool, err := os.CreateTemp("", "clockwatch-trace-stdin-*")
	if err != nil {
		return nil, fmt.Errorf("--in -: a temporary file to keep standard input in: %w (set TMPDIR)", err)
	}
	return &traceInput{path: path, first: io.TeeReader(os.Stdin, spool), file: spool, spool: true}, nil
}

// again returns the input from its start for the second reading.
func (in *traceInput) again() (io.Reader, error) {
	if _, err := in.file.Seek(0, io.SeekStart); err != nil {
		return nil, fmt.Errorf("--in %s: read it again: %w", in.path, err)
	}
	return in.file, nil
}

// close closes the input and removes the copy of standard input.
func (in *traceInput) close() {
	in.file.Close()
	if in.spool {
		os.Remove(in.file.Name())
	}
}

// traceOutput is where corrected batches go: --out, or nowhere on a dry
// run.
type traceOutput struct {
	path   string
	w      *tracecorrect.TraceWriter
	file   *os.File // nil for standard output
	closed bool
}

// createTraceOutput creates path, or writes to stdout for "-"; a dry run
// writes nothing.
func createTraceOutput(path string, stdout io.Writer, dryRun bool) (*traceOutput, error) {
	out := &traceOutput{path: path}
	switch {
	case dryRun:
		return out, nil
	case path == "-":
		out.w = tracecorrect.NewTraceWriter(stdout)
	default:
		file, err := os.Create(path)
		if err != nil {
			return nil, fmt.Errorf("--out: %w", err)
		}
		out.file, out.w = file, tracecorrect.NewTraceWriter(file)
	}
	return out, nil
}

// write writes one corrected batch.
func (out *traceOutput) write(td ptrace.Traces) error {
	if out.w == nil {
		return nil
	}
	if err := out.w.Write(td); err != nil {
		return fmt.Errorf("--out %s: %w", out.path, err)
	}
	return nil
}

// close flushes the output and closes its file.
func (out *traceOutput) close() error {
	if out.closed || out.w == nil {
		return nil
	}
	out.closed = true
	err := out.w.Flush()
	if out.file != nil {
		err = errors.Join(err, out.file.Close())
	}
	if err != nil {
		return fmt.Errorf("--out %s: %w", out.path, err)
	}
	return nil
}

// gatherOffsets merges the offsets of every source given, covering the
// spans scanned and MaxAge around them.
func gatherOffsets(ctx context.Context, logger *slog.Logger, f *traceCorrectFlags, scan *tracecorrect.TraceScan) (tracecorrect.Offsets, error) {
	offsets := tracecorrect.Offsets{}
	if len(f.offsetsFiles) == 0 && len(f.agentURLs) == 0 && f.prometheusURL == "" {
		logger.Warn("no offsets given (--offsets, --agent.url or --prometheus.url): spans are corrected by causality alone")
		return offsets, nil
	}
	for _, path := range f.offsetsFiles {
		o, err := readOffsetsFile(path)
		if err != nil {
			return nil, err
		}
		logOffsets(logger, "offsets file", path, o)
		offsets.Merge(o)
	}
	from, to, ok := scan.TimeRange()
	if !ok {
		return offsets, nil
	}
	from, to = from.Add(-f.maxAge), to.Add(f.maxAge)
	client := &http.Client{Timeout: f.timeout}
	for _, url := range f.agentURLs {
		o, err := tracecorrect.FetchAgentHistory(ctx, client, url, from)
		if err != nil {
			return nil, fmt.Errorf("--agent.url: %w", err)
		}
		logOffsets(logger, "agent", url, o)
		offsets.Merge(o)
	}
	if f.prometheusURL != "" {
		o, err := queryPrometheusOffsets(ctx, f, from, to)
		if err != nil {
			return nil, err
		}
		logOffsets(logger, "prometheus", f.prometheusURL, o)
		offsets.Merge(o)
	}
	return offsets, nil
}

// readOffsetsFile decodes one --offsets file.
func readOffsetsFile(path string) (tracecorrect.Offsets, error) {
	file, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("--offsets: %w", err)
	}
	defer file.Close()
	o, err := tracecorrect.DecodeOffsetsFile(file)
	if err != nil {
		return nil, fmt.Errorf("--offsets %s: %w", path, err)
	}
	return o, nil
}

// queryPrometheusOffsets reads the agents' metrics over [from, to].
func queryPrometheusOffsets(ctx context.Context, f *traceCorrectFlags, from, to time.Time) (tracecorrect.Offsets, error) {
	client, err := promapi.NewClient(promapi.Config{Address: f.prometheusURL})
	if err != nil {
		return nil, fmt.Errorf("--prometheus.url %q: %w", f.prometheusURL, err)
	}
	ctx, cancel := context.WithTimeout(ctx, f.timeout)
	defer cancel()
	o, err := tracecorrect.QueryPrometheus(ctx, promv1.NewAPI(client), tracecorrect.PrometheusQuery{
		HostLabel: f.prometheusHostLabel, Start: from, End: to, Step: f.prometheusStep,
	})
	if err != nil {
		return nil, fmt.Errorf("--prometheus.url %s: %w", f.prometheusURL, err)
	}
	return o, nil
}

// logOffsets says what one source gave.
func logOffsets(logger *slog.Logger, kind, where string, o tracecorrect.Offsets) {
	n := 0
	for _, ms := range o {
		n += len(ms)
	}
	logger.Info("read offsets", "source", kind, "from", where, "hosts", len(o), "measurements", n)
	if n == 0 {
		logger.Warn("offsets source gave no measurements", "source", kind, "from", where)
	}
}

// logSummary logs what the correction did and warns about what it could
// not do.
func logSummary(logger *slog.Logger, s tracecorrect.Summary) {
	logger.Info("corrected traces", "traces", s.Traces, "spans", s.Spans, "spans_moved", s.SpansMoved,
		"largest_shift", s.LargestShift, "violations_before", s.ViolationsBefore, "violations_after", s.ViolationsAfter)
	if len(s.UnmeasuredHosts) > 0 {
		logger.Warn("hosts without offsets were corrected by causality alone", "hosts", s.UnmeasuredHosts)
	}
	if s.UnresolvedTraces > 0 {
		logger.Warn("some traces keep causality violations that no shift within the error bounds removes (a bound that did not hold, or spans of the wrong kind)",
			"traces", s.UnresolvedTraces)
	}
}
