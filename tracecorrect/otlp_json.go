package tracecorrect

import (
	"bufio"
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
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("read OTLP JSON: %w", err)
	}
	var batches []ptrace.Traces
	unmarshaler := &ptrace.JSONUnmarshaler{}
	for n := 1; ; n++ {
		doc, rest, err := nextObject(data)
		if err != nil {
			return nil, fmt.Errorf("read OTLP JSON document %d: %w", n, err)
		}
		if doc == nil {
			return batches, nil
		}
		td, err := unmarshaler.UnmarshalTraces(doc)
		if err != nil {
			return nil, fmt.Errorf("read OTLP JSON document %d: %w; want an ExportTraceServiceRequest as the collector's file exporter writes it", n, err)
		}
		batches = append(batches, td)
		data = rest
	}
}

// nextObject cuts the first top-level JSON object from data, skipping the
// whitespace before it, by matching brackets outside strings; the
// unmarshaler checks the rest of its syntax. doc is nil at the end of data.
func nextObject(data []byte) (doc, rest []byte, err error) {
	start := 0
	for start < len(data) && isJSONSpace(data[start]) {
		start++
	}
	if start == len(data) {
		return nil, nil, nil
	}
	if data[start] != '{' {
		return nil, nil, fmt.Errorf("got %.20q, want an object {\"resourceSpans\": [...]}", data[start:])
	}
	depth, inString := 0, false
	for i := start; i < len(data); i++ {
		switch c := data[i]; {
		case inString && c == '\\':
			i++
		case c == '"':
			inString = !inString
		case inString:
		case c == '{' || c == '[':
			depth++
		case c == '}' || c == ']':
			if depth--; depth == 0 {
				return data[start : i+1], data[i+1:], nil
			}
		}
	}
	return nil, nil, errors.New("unexpected end of input: the object is cut short")
}

// isJSONSpace reports whether c is whitespace between JSON values.
func isJSONSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r'
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
