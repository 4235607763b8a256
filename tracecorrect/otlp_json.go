package tracecorrect

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"go.opentelemetry.io/collector/pdata/ptrace"
)

// ReadTraces reads OTLP JSON: one or more ExportTraceServiceRequest
// objects ({"resourceSpans": [...]}), one after the other or one per line as
// the OpenTelemetry Collector's file exporter writes them. Each object
// becomes one batch.
func ReadTraces(r io.Reader) ([]ptrace.Traces, error) {
	dec := json.NewDecoder(r)
	var batches []ptrace.Traces
	unmarshaler := &ptrace.JSONUnmarshaler{}
	for n := 1; ; n++ {
		var doc json.RawMessage
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			return batches, nil
		}
		if err != nil {
			return nil, fmt.Errorf("read OTLP JSON document %d: %w", n, err)
		}
		if doc[0] != '{' {
			return nil, fmt.Errorf("read OTLP JSON document %d: got %.20s, want an object {\"resourceSpans\": [...]}", n, doc)
		}
		td, err := unmarshaler.UnmarshalTraces(doc)
		if err != nil {
			return nil, fmt.Errorf("read OTLP JSON document %d: %w; want an ExportTraceServiceRequest as the collector's file exporter writes it", n, err)
		}
		batches = append(batches, td)
	}
}

// WriteTraces writes each batch as one OTLP JSON object on its own line,
// the format ReadTraces and the collector's file receiver read.
func WriteTraces(w io.Writer, batches []ptrace.Traces) error {
	bw := bufio.NewWriter(w)
	marshaler := &ptrace.JSONMarshaler{}
	for i, td := range batches {
		doc, err := marshaler.MarshalTraces(td)
		if err != nil {
			return fmt.Errorf("write OTLP JSON batch %d: %w", i+1, err)
		}
		bw.Write(doc)
		bw.WriteByte('\n')
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write OTLP JSON: %w", err)
	}
	return nil
}
