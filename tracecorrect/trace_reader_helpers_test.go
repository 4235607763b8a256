package tracecorrect_test

import (
	"encoding/binary"
	"strings"
	"testing"

	"github.com/klauspost/compress/zstd"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// protoBody converts an OTLP JSON document to an OTLP protobuf message.
func protoBody(t testing.TB, doc string) []byte {
	t.Helper()
	td, err := (&ptrace.JSONUnmarshaler{}).UnmarshalTraces([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	b, err := (&ptrace.ProtoMarshaler{}).MarshalTraces(td)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// framed prefixes each message with its length in 4 big-endian bytes, as
// the collector's file exporter writes proto and compressed messages.
func framed(messages ...[]byte) []byte {
	var out []byte
	for _, m := range messages {
		out = binary.BigEndian.AppendUint32(out, uint32(len(m)))
		out = append(out, m...)
	}
	return out
}

// zstdBytes compresses s into one zstd frame.
func zstdBytes(t testing.TB, s string) []byte {
	t.Helper()
	enc, err := zstd.NewWriter(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer enc.Close()
	return enc.EncodeAll([]byte(s), nil)
}

// deeplyNested is a document whose one attribute value nests depth
// kvlistValues.
func deeplyNested(depth int) string {
	const open, close = `{"kvlistValue": {"values": [{"key": "k", "value": `, `}]}}`
	return `{"resourceSpans": [{"resource": {"attributes": [{"key": "deep", "value": ` +
		strings.Repeat(open, depth) + `{"intValue": "1"}` + strings.Repeat(close, depth) + `}]}}]}`
}
