// Package tracecorrect fixes span timestamps that were recorded on hosts
// whose clocks were off, using the offsets clockwatch measured on those hosts
// and, where those run out, causality between spans.
//
// # Sign convention
//
// An offset is host clock − true time: positive means the host is ahead. A
// span recorded at host time r on a host with measured offset m at r is
// corrected to r − m. The error bound b of the measurement says the true time
// lies within ±b of that.
//
// # Algorithm
//
// Spans are grouped by trace; each trace is corrected on its own, with one
// extra shift per host and trace on top of the measured offsets.
//
//  1. Offsets: every timestamp of a span (start, end, events) on a host with
//     measurements is corrected by the host's offset at that instant,
//     interpolated linearly between measurements. The bound is interpolated
//     too and grows with the distance to the nearest measurement
//     (Options.WanderAllowance between measurements, Options.DriftAllowance
//     outside them); a host whose nearest measurement is further than
//     Options.MaxAge from its spans counts as unmeasured in that trace.
//  2. Hosts without measurements are placed by causality alone: not moved
//     when their spans already fit, else in the middle of the window their
//     calls allow (the equal-latency assumption of Jaeger's adjuster), else
//     just far enough.
//  3. Causality: if a child still starts before its parent, or a SERVER span
//     still starts before or ends after its CLIENT parent, the hosts get the
//     smallest shifts (least squares, each host's move divided by its bound)
//     that remove every violation while keeping each measured host within
//     its bound. Only the start rule holds for other kinds: producers,
//     consumers and internal children may outlive their parents. When no
//     such shifts exist the end rule is given up; when still none, the trace
//     keeps the shifts of steps 1–2 and counts in Summary.UnresolvedTraces.
//  4. Refinement (unless Options.MinimalShifts): host by host, each shift
//     moves to the best estimate that weighs the host's measured offset
//     (uniform within its bound) against the timing of its CLIENT–SERVER
//     calls (each server centred in its client, weighted by how little
//     network time the call leaves), never leaving causality or a bound.
//     Offsets dominate where bounds are tighter than network delays; calls
//     dominate where bounds are wider.
//
// Every moved span is annotated with AttrCorrection (nanoseconds added to its
// start time) and AttrCorrectionSource; spans of unmeasured hosts carry
// CorrectionSourceCausality even when they did not move.
//
// # Baseline
//
// AdjustCausalityOnly implements the clock-skew adjuster that Jaeger
// describes, which uses causality alone; it exists to compare against.
//
// # Inputs
//
// TraceReader reads OTLP traces in every form the OpenTelemetry Collector
// writes or sends them (JSON, JSON lines, protobuf, the file exporter's
// length-prefixed messages, zstd), one resource's spans at a time;
// ReadTraces reads them all and WriteTraces and TraceWriter write OTLP
// JSON lines. ScanTraces and Corrector.CorrectStream correct an input of
// any size in two readings, holding only the traces in flight. Offsets come
// from an offsets file (DecodeOffsetsFile), a clockwatch agent's history
// endpoint (FetchAgentHistory) or a Prometheus server (QueryPrometheus).
//
// # In a collector
//
// Correct works on any batch: each span is moved by its host's offset, and
// causality is restored within each trace as far as the batch holds it.
// The clockwatch processor of the OpenTelemetry Collector (module otelcol/
// of this repository) calls it on every batch, after groupbytrace has
// gathered whole traces.
package tracecorrect
