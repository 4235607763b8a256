package ptp

import (
	"encoding/binary"
	"fmt"
	"time"

	"github.com/clockwatch/clockwatch/estimator"
	"github.com/facebook/time/ptp/protocol"
)

// TimePropertiesTLV is the TIME_PROPERTIES_DATA_SET management TLV
// (IEEE 1588-2019 table 87): what the grandmaster says about its timescale,
// the TAI−UTC offset and pending leap seconds. facebook/time names the ID
// but has no decoder for it; init registers one.
type TimePropertiesTLV struct {
	protocol.ManagementTLVHead
	// CurrentUTCOffset is TAI − UTC in seconds.
	CurrentUTCOffset int16
	// Flags holds the leap61, leap59, currentUtcOffsetValid, ptpTimescale,
	// timeTraceable and frequencyTraceable bits, in the order and positions
	// of the header's protocol.FlagLeap61 ... protocol.FlagFrequencyTraceable.
	Flags uint8
	// TimeSource is the grandmaster's source of time (GNSS, atomic clock, ...).
	TimeSource protocol.TimeSource
}

// timePropertiesSize is the TLV's size on the wire: type, length, ID and
// the four data octets.
const timePropertiesSize = 4 + 2 + 4

func init() {
	protocol.RegisterMgmtTLVDecoder(protocol.IDTimePropertiesDataSet, decodeTimeProperties)
}

// decodeTimeProperties parses a TIME_PROPERTIES_DATA_SET TLV.
func decodeTimeProperties(data []byte) (protocol.ManagementTLV, error) {
	if len(data) < timePropertiesSize {
		return nil, fmt.Errorf("ptp: TIME_PROPERTIES_DATA_SET is %d bytes, want %d", len(data), timePropertiesSize)
	}
	tlv := &TimePropertiesTLV{}
	tlv.TLVType = protocol.TLVType(binary.BigEndian.Uint16(data[0:]))
	tlv.LengthField = binary.BigEndian.Uint16(data[2:])
	tlv.ManagementID = protocol.ManagementID(binary.BigEndian.Uint16(data[4:]))
	tlv.CurrentUTCOffset = int16(binary.BigEndian.Uint16(data[6:]))
	tlv.Flags = data[8]
	tlv.TimeSource = protocol.TimeSource(data[9])
	return tlv, nil
}

// MarshalBinary encodes the TLV as it travels in a management message.
func (t *TimePropertiesTLV) MarshalBinary() ([]byte, error) {
	b := make([]byte, timePropertiesSize)
	binary.BigEndian.PutUint16(b[0:], uint16(t.TLVType))
	binary.BigEndian.PutUint16(b[2:], t.LengthField)
	binary.BigEndian.PutUint16(b[4:], uint16(t.ManagementID))
	binary.BigEndian.PutUint16(b[6:], uint16(t.CurrentUTCOffset))
	b[8] = t.Flags
	b[9] = uint8(t.TimeSource)
	return b, nil
}

// has reports whether a flag (one of protocol.FlagLeap61 ...
// protocol.FlagFrequencyTraceable) is set.
func (t *TimePropertiesTLV) has(flag uint16) bool { return uint16(t.Flags)&flag != 0 }

// PTPTimescale reports whether the grandmaster's time is TAI (the PTP
// timescale) rather than an arbitrary one such as UTC.
func (t *TimePropertiesTLV) PTPTimescale() bool { return t.has(protocol.FlagPTPTimescale) }

// UTCOffset is TAI − UTC when the grandmaster says it is valid.
func (t *TimePropertiesTLV) UTCOffset() (time.Duration, bool) {
	return time.Duration(t.CurrentUTCOffset) * time.Second, t.has(protocol.FlagCurrentUtcOffsetValid)
}

// Leap returns +1 when the last minute of the current UTC day has 61
// seconds, −1 when it has 59, and 0 otherwise.
func (t *TimePropertiesTLV) Leap() int {
	switch leapOfFlags(uint16(t.Flags)) {
	case estimator.LeapInsert:
		return 1
	case estimator.LeapDelete:
		return -1
	}
	return 0
}

// leapOfFlags reads the leap61 and leap59 flags of a PTP header or time
// properties data set.
func leapOfFlags(flags uint16) estimator.Leap {
	switch {
	case flags&protocol.FlagLeap61 != 0:
		return estimator.LeapInsert
	case flags&protocol.FlagLeap59 != 0:
		return estimator.LeapDelete
	}
	return estimator.LeapNone
}

// Traceable reports whether time and frequency are traceable to a primary
// reference.
func (t *TimePropertiesTLV) Traceable() (timeTraceable, frequencyTraceable bool) {
	return t.has(protocol.FlagTimeTraceable), t.has(protocol.FlagFrequencyTraceable)
}
