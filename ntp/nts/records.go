package nts

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// NTS-KE record types (RFC 8915 section 4.1).
const (
	RecordEndOfMessage  = 0
	RecordNextProtocol  = 1
	RecordError         = 2
	RecordWarning       = 3
	RecordAEAD          = 4
	RecordNewCookie     = 5
	RecordServer        = 6
	RecordPort          = 7
	criticalBit         = 0x8000
	recordHeaderSize    = 4
	protocolNTPv4       = 0
	maxKEMessage        = 16384 // the largest NTS-KE message read, as chrony's
	maxRecordsInMessage = 64
)

// NTS-KE error codes (RFC 8915 section 4.1.3).
const (
	ErrorUnrecognizedCritical = 0
	ErrorBadRequest           = 1
	ErrorInternal             = 2
)

// Record is one NTS-KE record.
type Record struct {
	// Critical is the C bit: a receiver that does not know Type must
	// refuse the message.
	Critical bool
	Type     uint16
	Body     []byte
}

// AppendRecord appends the wire form of r to b.
func AppendRecord(b []byte, r Record) []byte {
	typ := r.Type &^ criticalBit
	if r.Critical {
		typ |= criticalBit
	}
	b = binary.BigEndian.AppendUint16(b, typ)
	b = binary.BigEndian.AppendUint16(b, uint16(len(r.Body)))
	return append(b, r.Body...)
}

// uint16s is the body of a record that carries a list of 16-bit numbers.
func uint16s(v ...uint16) []byte {
	b := make([]byte, 0, 2*len(v))
	for _, x := range v {
		b = binary.BigEndian.AppendUint16(b, x)
	}
	return b
}

// parseUint16s reads a body that is a list of 16-bit numbers.
func parseUint16s(r Record) ([]uint16, error) {
	if len(r.Body)%2 != 0 {
		return nil, fmt.Errorf("nts-ke: record %d has a body of %d bytes, not a list of 16-bit numbers", r.Type, len(r.Body))
	}
	v := make([]uint16, len(r.Body)/2)
	for i := range v {
		v[i] = binary.BigEndian.Uint16(r.Body[2*i:])
	}
	return v, nil
}

var errTruncatedRecord = errors.New("nts-ke: truncated record")

// ParseRecords reads one NTS-KE message from b: records up to and including
// End of Message, which must end b. The End of Message record is not
// returned.
func ParseRecords(b []byte) ([]Record, error) {
	var out []Record
	for len(b) > 0 {
		r, n, err := parseRecord(b)
		if err != nil {
			return nil, err
		}
		b = b[n:]
		if r.Type == RecordEndOfMessage {
			if len(b) != 0 {
				return nil, fmt.Errorf("nts-ke: %d bytes after End of Message", len(b))
			}
			return out, nil
		}
		if len(out) == maxRecordsInMessage {
			return nil, fmt.Errorf("nts-ke: message has more than %d records", maxRecordsInMessage)
		}
		out = append(out, r)
	}
	return nil, errors.New("nts-ke: message ends without End of Message")
}

// parseRecord reads the record at the start of b and its size on the wire.
func parseRecord(b []byte) (Record, int, error) {
	if len(b) < recordHeaderSize {
		return Record{}, 0, errTruncatedRecord
	}
	typ, n := binary.BigEndian.Uint16(b), int(binary.BigEndian.Uint16(b[2:]))
	if len(b) < recordHeaderSize+n {
		return Record{}, 0, errTruncatedRecord
	}
	r := Record{Critical: typ&criticalBit != 0, Type: typ &^ criticalBit, Body: b[recordHeaderSize : recordHeaderSize+n]}
	if r.Type == RecordEndOfMessage && n != 0 {
		return Record{}, 0, fmt.Errorf("nts-ke: End of Message record with a body of %d bytes", n)
	}
	return r, recordHeaderSize + n, nil
}

// readMessage reads one NTS-KE message from r, record by record, so that
// it never reads past End of Message; a message longer than maxKEMessage
// is refused.
func readMessage(r io.Reader) ([]Record, error) {
	var msg []byte
	header := make([]byte, recordHeaderSize)
	for {
		if _, err := io.ReadFull(r, header); err != nil {
			return nil, fmt.Errorf("nts-ke: read record: %w", err)
		}
		n := int(binary.BigEndian.Uint16(header[2:]))
		if len(msg)+recordHeaderSize+n > maxKEMessage {
			return nil, fmt.Errorf("nts-ke: message longer than %d bytes", maxKEMessage)
		}
		msg = append(msg, header...)
		body := make([]byte, n)
		if _, err := io.ReadFull(r, body); err != nil {
			return nil, fmt.Errorf("nts-ke: read record body: %w", err)
		}
		msg = append(msg, body...)
		if binary.BigEndian.Uint16(header)&^criticalBit == RecordEndOfMessage {
			return ParseRecords(msg)
		}
	}
}
