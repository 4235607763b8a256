package nts

import (
	"encoding/binary"
	"fmt"
)

// NTP extension field types of NTS (RFC 8915 section 5.7).
const (
	FieldUniqueIdentifier  = 0x0104
	FieldCookie            = 0x0204
	FieldCookiePlaceholder = 0x0304
	FieldAuthenticator     = 0x0404
)

const (
	// headerSize is the NTP header before the extension fields.
	headerSize = 48
	// fieldHeaderSize is an extension field's type and length.
	fieldHeaderSize = 4
	// minFieldSize is the smallest extension field RFC 7822 allows.
	minFieldSize = 16
)

// ExtensionField is one NTPv4 extension field (RFC 7822) of a packet.
type ExtensionField struct {
	Type uint16
	// Body is the value, padding included.
	Body []byte
	// Offset is where the field starts in the packet.
	Offset int
}

// ParseExtensionFields reads the extension fields of an NTP packet: all
// of it after the 48-byte header. Every field must be a multiple of 4
// bytes, at least 16, and lie wholly inside the packet.
func ParseExtensionFields(packet []byte) ([]ExtensionField, error) {
	if len(packet) < headerSize {
		return nil, fmt.Errorf("ntp packet of %d bytes is shorter than its header (48)", len(packet))
	}
	var out []ExtensionField
	for off := headerSize; off < len(packet); {
		if len(packet)-off < fieldHeaderSize {
			return nil, fmt.Errorf("extension field at byte %d: %d bytes left, too few for its header", off, len(packet)-off)
		}
		typ, n := binary.BigEndian.Uint16(packet[off:]), int(binary.BigEndian.Uint16(packet[off+2:]))
		switch {
		case n < minFieldSize || n%4 != 0:
			return nil, fmt.Errorf("extension field 0x%04x at byte %d: length %d is not a multiple of 4 of at least 16", typ, off, n)
		case n > len(packet)-off:
			return nil, fmt.Errorf("extension field 0x%04x at byte %d: length %d runs past the packet's end", typ, off, n)
		}
		out = append(out, ExtensionField{Type: typ, Body: packet[off+fieldHeaderSize : off+n], Offset: off})
		off += n
	}
	return out, nil
}

// parseFieldList reads a sequence of extension fields with no NTP header
// before them: the plaintext of an authenticator.
func parseFieldList(b []byte) ([]ExtensionField, error) {
	fields, err := ParseExtensionFields(append(make([]byte, headerSize, headerSize+len(b)), b...))
	for i := range fields {
		fields[i].Offset -= headerSize
	}
	return fields, err
}

// AppendExtensionField appends a field of type typ with body to packet,
// zero-padded to a multiple of 4 and to at least 16 bytes.
func AppendExtensionField(packet []byte, typ uint16, body []byte) []byte {
	n := fieldSize(len(body))
	packet = binary.BigEndian.AppendUint16(packet, typ)
	packet = binary.BigEndian.AppendUint16(packet, uint16(n))
	packet = append(packet, body...)
	return append(packet, make([]byte, n-fieldHeaderSize-len(body))...)
}

// fieldSize is the size on the wire of a field with a body of n bytes.
func fieldSize(n int) int {
	return max(fieldHeaderSize+pad4(n), minFieldSize)
}

// pad4 rounds n up to a multiple of 4.
func pad4(n int) int { return (n + 3) &^ 3 }
