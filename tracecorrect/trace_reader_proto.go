package tracecorrect

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"sync"

	"github.com/klauspost/compress/zstd"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// Protobuf wire types and the tag of ExportTraceServiceRequest's field 1,
// resource_spans.
const (
	wireVarint            = 0
	wireFixed64           = 1
	wireBytes             = 2
	wireFixed32           = 5
	protoResourceSpansTag = 1<<3 | wireBytes
)

// byteReader is what protoSource reads from.
type byteReader interface {
	io.Reader
	io.ByteReader
}

// protoSource streams one OTLP protobuf ExportTraceServiceRequest, one
// resource_spans field at a time.
type protoSource struct {
	r         byteReader
	resource  int
	buf       bytes.Buffer
	wrapped   []byte
	unmarshal ptrace.ProtoUnmarshaler
}

// newProtoSource reads a protobuf message from r.
func newProtoSource(r byteReader) *protoSource { return &protoSource{r: r} }

// position names the resource last read.
func (s *protoSource) position() string {
	return fmt.Sprintf("OTLP protobuf, resource_spans[%d]", s.resource-1)
}

// document is 1: the input is one message.
func (s *protoSource) document() int { return 1 }

// next returns the next resource_spans field as a batch, skipping other
// fields as protobuf does.
func (s *protoSource) next() (ptrace.Traces, error) {
	for {
		tag, err := binary.ReadUvarint(s.r)
		if err == io.EOF {
			return ptrace.Traces{}, io.EOF
		}
		if err != nil {
			return ptrace.Traces{}, cutShort(err, "a field tag")
		}
		if tag == protoResourceSpansTag {
			return s.resourceSpans()
		}
		if err := s.skip(tag); err != nil {
			return ptrace.Traces{}, err
		}
	}
}

// resourceSpans reads one length-delimited resource_spans and unmarshals
// it as a message of its own.
func (s *protoSource) resourceSpans() (ptrace.Traces, error) {
	s.resource++
	if err := s.readBytes(); err != nil {
		return ptrace.Traces{}, err
	}
	s.wrapped = binary.AppendUvarint(append(s.wrapped[:0], protoResourceSpansTag), uint64(s.buf.Len()))
	s.wrapped = append(s.wrapped, s.buf.Bytes()...)
	td, err := s.unmarshal.UnmarshalTraces(s.wrapped)
	if err != nil {
		return ptrace.Traces{}, fmt.Errorf("%w; want a ResourceSpans message", err)
	}
	return td, nil
}

// readBytes reads a length and that many bytes into buf; the buffer grows
// only as the bytes arrive, so a wrong length cannot claim memory.
func (s *protoSource) readBytes() error {
	n, err := binary.ReadUvarint(s.r)
	if err != nil {
		return cutShort(err, "a length")
	}
	if n > maxMessageBytes {
		return fmt.Errorf("a field of %d bytes, beyond the %d-byte limit: not OTLP protobuf?", n, maxMessageBytes)
	}
	s.buf.Reset()
	if _, err := io.CopyN(&s.buf, s.r, int64(n)); err != nil {
		return cutShort(err, fmt.Sprintf("a field of %d bytes", n))
	}
	return nil
}

// skip passes over a field of another number.
func (s *protoSource) skip(tag uint64) error {
	var n int64
	switch tag & 7 {
	case wireVarint:
		_, err := binary.ReadUvarint(s.r)
		return cutShort(err, "a varint")
	case wireFixed64:
		n = 8
	case wireFixed32:
		n = 4
	case wireBytes:
		length, err := binary.ReadUvarint(s.r)
		if err != nil {
			return cutShort(err, "a length")
		}
		n = int64(min(length, 1<<62))
	default:
		return fmt.Errorf("field %d has wire type %d, which ExportTraceServiceRequest never holds: not OTLP protobuf?", tag>>3, tag&7)
	}
	_, err := io.CopyN(io.Discard, s.r, n)
	return cutShort(err, "a field")
}

// cutShort turns an unexpected end into an error that says so.
func cutShort(err error, what string) error {
	switch {
	case err == nil:
		return nil
	case err == io.EOF || err == io.ErrUnexpectedEOF:
		return fmt.Errorf("the input ends inside %s: cut short?", what)
	default:
		return err
	}
}

// framedSource reads messages each preceded by its length in 4 big-endian
// bytes, as the collector's file exporter writes them; each message is
// OTLP JSON or protobuf, either zstd-compressed or not.
type framedSource struct {
	r       *bufio.Reader
	message int
	payload bytes.Buffer
	plain   []byte
	inner   batchSource
}

// messageDecoder decompresses zstd messages with DecodeAll, which is safe
// for concurrent use, so one decoder serves every reader.
var messageDecoder = sync.OnceValues(func() (*zstd.Decoder, error) {
	return zstd.NewReader(nil, zstd.WithDecoderConcurrency(1), zstd.WithDecoderMaxWindow(maxZstdWindow), zstd.WithDecoderMaxMemory(maxMessageBytes))
})

// newFramedSource reads length-prefixed messages from r.
func newFramedSource(r *bufio.Reader) *framedSource { return &framedSource{r: r} }

// position names the message, and where in it, last read.
func (s *framedSource) position() string {
	if s.inner == nil {
		return fmt.Sprintf("length-prefixed message %d", s.message)
	}
	return fmt.Sprintf("length-prefixed message %d, %s", s.message, s.inner.position())
}

// document is the number of the current message.
func (s *framedSource) document() int { return s.message }

// next returns the next batch of the current message, reading the next
// message when it has none left.
func (s *framedSource) next() (ptrace.Traces, error) {
	for {
		if s.inner != nil {
			td, err := s.inner.next()
			if err != io.EOF {
				return td, err
			}
			s.inner = nil
		}
		if err := s.nextMessage(); err != nil {
			return ptrace.Traces{}, err
		}
	}
}

// nextMessage reads one message and makes the source of its batches.
func (s *framedSource) nextMessage() error {
	var size [4]byte
	if _, err := io.ReadFull(s.r, size[:]); err != nil {
		if err == io.EOF {
			return io.EOF
		}
		return cutShort(err, "a message length")
	}
	s.message++
	n := binary.BigEndian.Uint32(size[:])
	if n > maxMessageBytes {
		return fmt.Errorf("a length of %d bytes, beyond the %d-byte limit: not length-prefixed messages?", n, maxMessageBytes)
	}
	s.payload.Reset()
	if _, err := io.CopyN(&s.payload, s.r, int64(n)); err != nil {
		return cutShort(err, fmt.Sprintf("a message of %d bytes", n))
	}
	plain, err := s.decompress(s.payload.Bytes())
	if err != nil {
		return err
	}
	trimmed := bytes.TrimLeft(plain, " \t\r\n")
	switch {
	case len(trimmed) == 0:
		s.inner = emptySource{}
	case trimmed[0] == '{':
		s.inner = newJSONSource(bytes.NewReader(trimmed))
	default:
		s.inner = newProtoSource(bytes.NewReader(plain))
	}
	return nil
}

// decompress undoes the zstd compression of a message that has it.
func (s *framedSource) decompress(msg []byte) ([]byte, error) {
	if !bytes.HasPrefix(msg, zstdMagic) {
		return msg, nil
	}
	dec, err := messageDecoder()
	if err != nil {
		return nil, err
	}
	plain, err := dec.DecodeAll(msg, s.plain[:0])
	if err != nil {
		return nil, fmt.Errorf("zstd: %w", err)
	}
	s.plain = plain
	return plain, nil
}
