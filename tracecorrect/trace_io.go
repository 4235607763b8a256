package tracecorrect

import (
	"bufio"
	"fmt"
	"io"

	"go.opentelemetry.io/collector/pdata/ptrace"
)

// ReadTraces reads every batch of OTLP traces in any form TraceReader
// reads: each JSON object or protobuf message becomes one batch.
func ReadTraces(r io.Reader) ([]ptrace.Traces, error) {
	tr, err := NewTraceReader(r)
	if err != nil {
		return nil, err
	}
	defer tr.Close()
	var batches []ptrace.Traces
	last := 0
	for {
		td, err := tr.Read()
		if err == io.EOF {
			return batches, nil
		}
		if err != nil {
			return nil, err
		}
		if doc := tr.Document(); doc == last && len(batches) > 0 {
			td.ResourceSpans().MoveAndAppendTo(batches[len(batches)-1].ResourceSpans())
		} else {
			batches, last = append(batches, td), doc
		}
	}
}

// WriteTraces writes each batch as one OTLP JSON object on its own line,
// the format ReadTraces and the collector's file receiver read.
func WriteTraces(w io.Writer, batches []ptrace.Traces) error {
	tw := NewTraceWriter(w)
	for _, td := range batches {
		if err := tw.Write(td); err != nil {
			return err
		}
	}
	return tw.Flush()
}

// TraceWriter writes batches as OTLP JSON lines, one object per batch.
type TraceWriter struct {
	bw        *bufio.Writer
	marshaler ptrace.JSONMarshaler
	written   int
}

// NewTraceWriter writes to w through a buffer; call Flush at the end.
func NewTraceWriter(w io.Writer) *TraceWriter {
	return &TraceWriter{bw: bufio.NewWriterSize(w, 256<<10)}
}

// Write writes one batch on its own line.
func (tw *TraceWriter) Write(td ptrace.Traces) error {
	tw.written++
	doc, err := tw.marshaler.MarshalTraces(td)
	if err != nil {
		return fmt.Errorf("write OTLP JSON batch %d: %w", tw.written, err)
	}
	tw.bw.Write(doc)
	if err := tw.bw.WriteByte('\n'); err != nil {
		return fmt.Errorf("write OTLP JSON: %w", err)
	}
	return nil
}

// Flush writes what the buffer holds.
func (tw *TraceWriter) Flush() error {
	if err := tw.bw.Flush(); err != nil {
		return fmt.Errorf("write OTLP JSON: %w", err)
	}
	return nil
}
