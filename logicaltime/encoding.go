package logicaltime

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"strconv"
	"time"
)

// Encodings of a Timestamp. Each one sorts like the timestamps it holds.
//
//   - binary: 8 bytes, the packed form big-endian; bytes.Compare orders them.
//   - text: "2025-06-01T12:00:00.000065536Z_00017", the physical part in UTC
//     with nanoseconds, an underscore and the logical counter in 5 digits.
//     Every text has the same length, so strings compare like timestamps.
//   - JSON: the text form as a JSON string (through MarshalText), since a
//     JSON number cannot hold 64 bits exactly in most decoders.
const (
	// BinaryLen is the length of the binary encoding.
	BinaryLen = 8
	// TextLen is the length of the text encoding.
	TextLen = len(textTimeLayout) + 1 + logicalDigits

	textTimeLayout = "2006-01-02T15:04:05.000000000Z"
	textSeparator  = '_'
	logicalDigits  = 5
)

// String returns the text encoding of ts.
func (ts Timestamp) String() string {
	var buf [TextLen]byte
	return string(ts.appendText(buf[:0]))
}

// AppendText appends the text encoding of ts to b. It implements
// encoding.TextAppender and does not allocate when b has room.
func (ts Timestamp) AppendText(b []byte) ([]byte, error) { return ts.appendText(b), nil }

// MarshalText returns the text encoding of ts. It implements
// encoding.TextMarshaler, so encoding/json writes ts as a JSON string.
func (ts Timestamp) MarshalText() ([]byte, error) {
	return ts.appendText(make([]byte, 0, TextLen)), nil
}

// UnmarshalText sets ts from its text encoding; see ParseTimestamp.
func (ts *Timestamp) UnmarshalText(text []byte) error {
	parsed, err := parseTimestamp(text)
	if err != nil {
		return err
	}
	*ts = parsed
	return nil
}

// ParseTimestamp parses the text encoding of a timestamp, as written by
// Timestamp.String. Only the canonical form is accepted, so a parsed
// timestamp prints back to the same text.
func ParseTimestamp(s string) (Timestamp, error) {
	return parseTimestamp([]byte(s))
}

// AppendBinary appends the 8-byte big-endian encoding of ts to b. It
// implements encoding.BinaryAppender and does not allocate when b has room.
func (ts Timestamp) AppendBinary(b []byte) ([]byte, error) {
	return binary.BigEndian.AppendUint64(b, ts.bits), nil
}

// MarshalBinary returns the 8-byte big-endian encoding of ts.
func (ts Timestamp) MarshalBinary() ([]byte, error) {
	return ts.AppendBinary(make([]byte, 0, BinaryLen))
}

// UnmarshalBinary sets ts from its 8-byte encoding.
func (ts *Timestamp) UnmarshalBinary(data []byte) error {
	if len(data) != BinaryLen {
		return fmt.Errorf("logicaltime: binary timestamp is %d bytes, want %d", len(data), BinaryLen)
	}
	parsed, err := TimestampFromUint64(binary.BigEndian.Uint64(data))
	if err != nil {
		return err
	}
	*ts = parsed
	return nil
}

// appendText appends the text encoding of ts to b.
func (ts Timestamp) appendText(b []byte) []byte {
	b = ts.Time().AppendFormat(b, textTimeLayout)
	b = append(b, textSeparator)
	logical := ts.Logical()
	for div := uint16(10000); div > 0; div /= 10 {
		b = append(b, byte('0'+logical/div%10))
	}
	return b
}

// parseTimestamp parses the canonical text encoding.
func parseTimestamp(text []byte) (Timestamp, error) {
	if len(text) != TextLen || text[TextLen-logicalDigits-1] != textSeparator {
		return Timestamp{}, fmt.Errorf("logicaltime: timestamp %q: want the form %s%c%05d", text, textTimeLayout, textSeparator, 0)
	}
	physical, err := time.Parse(textTimeLayout, string(text[:len(textTimeLayout)]))
	if err != nil {
		return Timestamp{}, fmt.Errorf("logicaltime: timestamp %q: %w", text, err)
	}
	logical, err := strconv.ParseUint(string(text[len(textTimeLayout)+1:]), 10, LogicalBits)
	if err != nil {
		return Timestamp{}, fmt.Errorf("logicaltime: timestamp %q: logical counter must be 5 digits from 00000 to 65535", text)
	}
	ts := Timestamp{bits: TimestampAt(physical).bits | logical}
	var canonical [TextLen]byte
	if !bytes.Equal(ts.appendText(canonical[:0]), text) {
		return Timestamp{}, fmt.Errorf("logicaltime: timestamp %q: physical time must be between 1970 and 2262, a multiple of %v after the epoch, with a '.' before 9 fraction digits", text, Tick)
	}
	return ts, nil
}
