package ptp

import (
	"bytes"
	"testing"
	"time"

	"github.com/facebook/time/ptp/protocol"
)

func TestTimeProperties(t *testing.T) {
	tests := []struct {
		name      string
		data      []byte
		wantErr   bool
		offset    time.Duration
		valid     bool
		timescale bool
		leap      int
		source    protocol.TimeSource
	}{
		{name: "short", data: []byte{0x00, 0x01, 0x00, 0x06, 0x20, 0x03, 0x00, 0x25, 0x0c}, wantErr: true},
		{name: "empty", data: nil, wantErr: true},
		{name: "GNSS grandmaster, TAI, offset valid", data: []byte{0x00, 0x01, 0x00, 0x06, 0x20, 0x03, 0x00, 0x25, 0x0c, 0x20},
			offset: 37 * time.Second, valid: true, timescale: true, source: protocol.TimeSourceGNSS},
		{name: "software grandmaster, arbitrary timescale", data: []byte{0x00, 0x01, 0x00, 0x06, 0x20, 0x03, 0x00, 0x25, 0x00, 0xa0},
			offset: 37 * time.Second, source: protocol.TimeSourceInternalOscillator},
		{name: "leap second inserted tonight", data: []byte{0x00, 0x01, 0x00, 0x06, 0x20, 0x03, 0x00, 0x24, 0x0d, 0x20},
			offset: 36 * time.Second, valid: true, timescale: true, leap: 1, source: protocol.TimeSourceGNSS},
		{name: "leap second deleted", data: []byte{0x00, 0x01, 0x00, 0x06, 0x20, 0x03, 0x00, 0x25, 0x02, 0x20},
			offset: 37 * time.Second, leap: -1, source: protocol.TimeSourceGNSS},
		{name: "negative offset and trailing bytes", data: []byte{0x00, 0x01, 0x00, 0x06, 0x20, 0x03, 0xff, 0xff, 0x04, 0x10, 0xde, 0xad},
			offset: -time.Second, valid: true, source: protocol.TimeSourceAtomicClock},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tlv, err := decodeTimeProperties(tt.data)
			if tt.wantErr {
				if err == nil {
					t.Fatalf("decoded %+v, want an error", tlv)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tp := tlv.(*TimePropertiesTLV)
			offset, valid := tp.UTCOffset()
			if offset != tt.offset || valid != tt.valid || tp.PTPTimescale() != tt.timescale || tp.Leap() != tt.leap || tp.TimeSource != tt.source {
				t.Errorf("got offset %v valid %v timescale %v leap %d source %v", offset, valid, tp.PTPTimescale(), tp.Leap(), tp.TimeSource)
			}
			if tp.MgmtID() != protocol.IDTimePropertiesDataSet {
				t.Errorf("management ID 0x%x", tp.MgmtID())
			}
			b, _ := tp.MarshalBinary()
			if !bytes.Equal(b, tt.data[:timePropertiesSize]) {
				t.Errorf("marshal: % x, want % x", b, tt.data[:timePropertiesSize])
			}
		})
	}
}

// TestTimePropertiesRegistered decodes a whole management response: the
// decoder must be registered with facebook/time.
func TestTimePropertiesRegistered(t *testing.T) {
	b := response(t, 1, &TimePropertiesTLV{
		ManagementTLVHead: mgmtHead(protocol.IDTimePropertiesDataSet, 6),
		CurrentUTCOffset:  37,
		Flags:             uint8(protocol.FlagPTPTimescale | protocol.FlagCurrentUtcOffsetValid | protocol.FlagTimeTraceable),
	})
	var m protocol.Management
	if err := m.UnmarshalBinary(b); err != nil {
		t.Fatal(err)
	}
	tp, ok := m.TLV.(*TimePropertiesTLV)
	if !ok {
		t.Fatalf("TLV is %T", m.TLV)
	}
	if timeTraceable, freqTraceable := tp.Traceable(); !timeTraceable || freqTraceable {
		t.Errorf("traceable: time %v frequency %v", timeTraceable, freqTraceable)
	}
}

func FuzzDecodeTimeProperties(f *testing.F) {
	f.Add([]byte{0x00, 0x01, 0x00, 0x06, 0x20, 0x03, 0x00, 0x25, 0x0c, 0x20})
	f.Add([]byte{0x00, 0x01})
	f.Fuzz(func(t *testing.T, data []byte) {
		tlv, err := decodeTimeProperties(data)
		if err != nil {
			return
		}
		b, err := tlv.(*TimePropertiesTLV).MarshalBinary()
		if err != nil || !bytes.Equal(b, data[:timePropertiesSize]) {
			t.Fatalf("round trip: % x -> % x (%v)", data, b, err)
		}
	})
}
