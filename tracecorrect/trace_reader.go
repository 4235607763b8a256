package tracecorrect

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"

	"github.com/klauspost/compress/zstd"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// Limits of TraceReader, so that no input makes it allocate without end.
const (
	// maxMessageBytes caps one length-prefixed message and one resource
	// of a protobuf message.
	maxMessageBytes = 1 << 30
	// maxZstdWindow caps the memory a zstd frame may ask for.
	maxZstdWindow = 128 << 20
	// sniffBytes is how far the reader looks past leading whitespace for
	// the first byte of JSON.
	sniffBytes = 4096
)

// zstdMagic starts every zstd frame.
var zstdMagic = []byte{0x28, 0xb5, 0x2f, 0xfd}

// TraceReader reads OTLP traces one resource's spans at a time, whichever
// form the OpenTelemetry Collector wrote or sent them in:
//
//   - OTLP JSON: ExportTraceServiceRequest objects ({"resourceSpans":
//     [...]}), one after the other or one per line as the collector's file
//     exporter writes them;
//   - OTLP protobuf: one ExportTraceServiceRequest message, such as an
//     OTLP/HTTP request body, or messages each preceded by its length in 4
//     big-endian bytes, as the file exporter writes them with format:
//     proto or with compression: zstd (each message then compressed);
//   - any of these compressed with zstd as a whole, as zstd(1) or the file
//     exporter's native compression writes them.
//
// Each ResourceSpans becomes one batch, so memory follows the largest
// resource (or length-prefixed message), not the input. Input in another
// form, such as Jaeger's JSON, is an error that says what was found.
type TraceReader struct {
	src  batchSource
	zstd *zstd.Decoder
}

// batchSource yields the batches of one form of input; io.EOF at the end.
type batchSource interface {
	next() (ptrace.Traces, error)
	// position says where the last batch came from, for errors.
	position() string
	// document numbers, from 1, the JSON object or protobuf message the
	// last batch came from.
	document() int
}

// NewTraceReader recognises the form of r from its first bytes.
func NewTraceReader(r io.Reader) (*TraceReader, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	tr := &TraceReader{}
	if head, _ := br.Peek(len(zstdMagic)); bytes.Equal(head, zstdMagic) {
		dec, err := zstd.NewReader(br, zstd.WithDecoderConcurrency(1), zstd.WithDecoderMaxWindow(maxZstdWindow))
		if err != nil {
			return nil, fmt.Errorf("read zstd: %w", err)
		}
		tr.zstd = dec
		br = bufio.NewReaderSize(dec, 64<<10)
	}
	src, err := sniff(br)
	if err != nil {
		tr.Close()
		if tr.zstd != nil {
			return nil, fmt.Errorf("zstd-compressed input: %w", err)
		}
		return nil, err
	}
	tr.src = src
	return tr, nil
}

// Read returns the next resource's spans, or io.EOF after the last.
func (tr *TraceReader) Read() (ptrace.Traces, error) {
	td, err := tr.src.next()
	if err != nil && err != io.EOF {
		return td, fmt.Errorf("%s: %w", tr.src.position(), err)
	}
	return td, err
}

// Document numbers, from 1, the JSON object or protobuf message of the
// input that the last batch read came from.
func (tr *TraceReader) Document() int { return tr.src.document() }

// Close releases the zstd decoder, if any; it does not close the input.
func (tr *TraceReader) Close() {
	if tr.zstd != nil {
		tr.zstd.Close()
	}
}

// sniff picks the source for the form of input br holds.
func sniff(br *bufio.Reader) (batchSource, error) {
	head, err := br.Peek(sniffBytes)
	if err != nil && err != io.EOF && !errors.Is(err, bufio.ErrBufferFull) {
		return nil, fmt.Errorf("read traces: %w", err)
	}
	trimmed := bytes.TrimLeft(head, " \t\r\n")
	switch {
	case len(head) == 0 || len(trimmed) == 0 && len(head) < sniffBytes:
		return emptySource{}, nil
	case len(trimmed) > 0 && trimmed[0] == '{':
		return newJSONSource(br), nil
	case head[0] == protoResourceSpansTag:
		return newProtoSource(br), nil
	case len(head) >= 4 && head[0] == 0:
		return newFramedSource(br), nil
	}
	return nil, fmt.Errorf("got %s at the start; want OTLP traces: JSON objects {\"resourceSpans\": [...]}, "+
		"an OTLP protobuf message, the collector file exporter's length-prefixed messages, or any of them zstd-compressed", describeStart(trimmed, head))
}

// describeStart names what the input starts with.
func describeStart(trimmed, head []byte) string {
	switch {
	case len(trimmed) > 0 && trimmed[0] == '[':
		return "a JSON array"
	case len(trimmed) > 0 && isText(trimmed[0]):
		return fmt.Sprintf("text %.24q", trimmed)
	default:
		return fmt.Sprintf("bytes % x", head[:min(len(head), 8)])
	}
}

// isText reports whether c is printable ASCII.
func isText(c byte) bool { return c >= 0x20 && c < 0x7f }

// emptySource is input without batches.
type emptySource struct{}

func (emptySource) next() (ptrace.Traces, error) { return ptrace.Traces{}, io.EOF }
func (emptySource) position() string             { return "empty input" }
func (emptySource) document() int                { return 0 }
