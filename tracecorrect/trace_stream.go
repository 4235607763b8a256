package tracecorrect

import (
	"fmt"
	"io"
	"math"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// TraceScan is what a first reading of an input tells its streamed
// correction: the batch in which each trace ends, and the time its spans
// cover. It keeps about 50 bytes per trace and nothing of the spans.
type TraceScan struct {
	lastBatch   map[pcommon.TraceID]int32
	batches     int32
	spans       int
	first, last int64
}

// ScanTraces reads every batch of r, in any form TraceReader reads, and
// checks it: an input that scans without error streams without one.
func ScanTraces(r io.Reader) (*TraceScan, error) {
	tr, err := NewTraceReader(r)
	if err != nil {
		return nil, err
	}
	defer tr.Close()
	s := &TraceScan{lastBatch: map[pcommon.TraceID]int32{}, first: math.MaxInt64, last: math.MinInt64}
	for {
		td, err := tr.Read()
		if err == io.EOF {
			return s, nil
		}
		if err != nil {
			return nil, err
		}
		for span := range Spans(td) {
			s.lastBatch[span.TraceID()] = s.batches
			s.spans++
			start := nanos(span.StartTimestamp())
			s.first = min(s.first, start)
			s.last = max(s.last, start, nanos(span.EndTimestamp()))
		}
		s.batches++
	}
}

// TimeRange returns the earliest start and latest end of the spans; ok is
// false without spans.
func (s *TraceScan) TimeRange() (from, to time.Time, ok bool) {
	if s.spans == 0 {
		return time.Time{}, time.Time{}, false
	}
	return time.Unix(0, s.first).UTC(), time.Unix(0, s.last).UTC(), true
}

// Traces is the number of traces scanned.
func (s *TraceScan) Traces() int { return len(s.lastBatch) }

// Spans is the number of spans scanned.
func (s *TraceScan) Spans() int { return s.spans }

// CorrectStream reads r, the same input that scan read, and corrects each
// trace as soon as the last batch with spans of it is read. Each batch
// goes to write (nil: nowhere) as soon as every trace it holds is
// corrected, so batches may come out in another order than they came in.
// Only the batches of traces not yet complete are held: memory follows the
// traces in flight and the largest trace, not the input.
func (c *Corrector) CorrectStream(r io.Reader, scan *TraceScan, write func(ptrace.Traces) error) (Summary, error) {
	tr, err := NewTraceReader(r)
	if err != nil {
		return Summary{}, err
	}
	defer tr.Close()
	sc := c.newStreamCorrection(scan, write)
	for batch := int32(0); ; batch++ {
		td, err := tr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return sc.tc.summary(), err
		}
		if err := sc.add(batch, td); err != nil {
			return sc.tc.summary(), err
		}
	}
	if len(sc.open) > 0 || len(sc.pending) > 0 {
		return sc.tc.summary(), fmt.Errorf("%d traces not complete at the end: the input changed since it was scanned", len(sc.open))
	}
	return sc.tc.summary(), nil
}

// streamCorrection is the state of one CorrectStream.
type streamCorrection struct {
	scan    *TraceScan
	hosts   *hostTable
	tc      *traceCorrection
	write   func(ptrace.Traces) error
	open    map[pcommon.TraceID]*openTrace
	pending map[int32]*pendingBatch
	touched []pcommon.TraceID
}

// openTrace is a trace whose last batch is still to come.
type openTrace struct {
	refs    []spanRef
	batches []int32 // holding its spans, ascending
}

// pendingBatch is a batch held until its open traces are complete.
type pendingBatch struct {
	td   ptrace.Traces
	open int
}

// newStreamCorrection prepares a streamed correction with c's offsets.
func (c *Corrector) newStreamCorrection(scan *TraceScan, write func(ptrace.Traces) error) *streamCorrection {
	hosts := newHostTable(c.opts.HostAttributes, c.timelines)
	return &streamCorrection{
		scan: scan, hosts: hosts, tc: newTraceCorrection(c, hosts), write: write,
		open: map[pcommon.TraceID]*openTrace{}, pending: map[int32]*pendingBatch{},
	}
}

// add takes batch number n: its spans join their traces, and the traces
// that end in it are corrected.
func (sc *streamCorrection) add(n int32, td ptrace.Traces) error {
	pb := &pendingBatch{td: td}
	sc.pending[n] = pb
	sc.touched = sc.touched[:0]
	rss := td.ResourceSpans()
	for i := range rss.Len() {
		host := sc.hosts.resourceHost(rss.At(i).Resource())
		sss := rss.At(i).ScopeSpans()
		for j := range sss.Len() {
			spans := sss.At(j).Spans()
			for k := range spans.Len() {
				sc.addSpan(n, pb, spans.At(k), host)
			}
		}
	}
	if pb.open == 0 {
		return sc.release(n)
	}
	for _, id := range sc.touched {
		last, ok := sc.scan.lastBatch[id]
		if !ok {
			return fmt.Errorf("trace %s was not there when the input was scanned: the input changed", id)
		}
		if last <= n {
			if err := sc.complete(id); err != nil {
				return err
			}
		}
	}
	return nil
}

// addSpan adds one span of batch n to its trace.
func (sc *streamCorrection) addSpan(n int32, pb *pendingBatch, span ptrace.Span, host int32) {
	id := span.TraceID()
	ot := sc.open[id]
	if ot == nil {
		ot = &openTrace{}
		sc.open[id] = ot
	}
	ot.refs = append(ot.refs, spanRef{span: span, host: host})
	if len(ot.batches) == 0 || ot.batches[len(ot.batches)-1] != n {
		ot.batches = append(ot.batches, n)
		pb.open++
		sc.touched = append(sc.touched, id)
	}
}

// complete corrects a trace and releases the batches it was the last open
// trace of.
func (sc *streamCorrection) complete(id pcommon.TraceID) error {
	ot := sc.open[id]
	delete(sc.open, id)
	sc.tc.correct(ot.refs)
	for _, b := range ot.batches {
		pb := sc.pending[b]
		if pb.open--; pb.open == 0 {
			if err := sc.release(b); err != nil {
				return err
			}
		}
	}
	return nil
}

// release writes batch n and forgets it.
func (sc *streamCorrection) release(n int32) error {
	pb := sc.pending[n]
	delete(sc.pending, n)
	if sc.write == nil {
		return nil
	}
	return sc.write(pb.td)
}
