package ptp

import (
	"encoding/binary"
	"errors"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/facebook/time/ptp/protocol"
)

// mgmtHead is the head of a management TLV with length bytes of data
// after the management ID.
func mgmtHead(id protocol.ManagementID, length uint16) protocol.ManagementTLVHead {
	return protocol.ManagementTLVHead{TLVHead: protocol.TLVHead{TLVType: protocol.TLVManagement, LengthField: length}, ManagementID: id}
}

// response is a management RESPONSE with sequence seq carrying tlv.
func response(t testing.TB, seq uint16, tlv protocol.ManagementTLV) []byte {
	t.Helper()
	m := &protocol.Management{
		ManagementMsgHead: protocol.ManagementMsgHead{
			Header:      protocol.Header{SdoIDAndMsgType: protocol.NewSdoIDAndMsgType(protocol.MessageManagement, 0), Version: protocol.Version, SequenceID: seq},
			ActionField: protocol.RESPONSE,
		},
		TLV: tlv,
	}
	b, err := m.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	binary.BigEndian.PutUint16(b[2:], uint16(len(b)))
	return b
}

// errorResponse is a MANAGEMENT_ERROR_STATUS answer to id.
func errorResponse(t testing.TB, seq uint16, id protocol.ManagementID) []byte {
	t.Helper()
	m := &protocol.ManagementMsgErrorStatus{
		ManagementMsgHead: protocol.ManagementMsgHead{
			Header:      protocol.Header{SdoIDAndMsgType: protocol.NewSdoIDAndMsgType(protocol.MessageManagement, 0), Version: protocol.Version, SequenceID: seq},
			ActionField: protocol.RESPONSE,
		},
		ManagementErrorStatusTLV: protocol.ManagementErrorStatusTLV{
			TLVHead:           protocol.TLVHead{TLVType: protocol.TLVManagementErrorStatus, LengthField: 8},
			ManagementErrorID: protocol.ErrorNotSupported,
			ManagementID:      id,
		},
	}
	b, err := m.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	binary.BigEndian.PutUint16(b[2:], uint16(len(b)))
	return b
}

// fakePtp4l serves ptp4l's management protocol on a unix socket in a
// temporary directory: answer returns the datagrams to send back for each
// request. It returns the socket's path.
func fakePtp4l(t *testing.T, answer func(seq uint16, id protocol.ManagementID) [][]byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "ptp4l")
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: path, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	go func() {
		buf := make([]byte, 1500)
		for {
			n, from, err := conn.ReadFromUnix(buf)
			if err != nil {
				return
			}
			if n < 54 {
				continue
			}
			seq := binary.BigEndian.Uint16(buf[30:])
			id := protocol.ManagementID(binary.BigEndian.Uint16(buf[52:]))
			for _, b := range answer(seq, id) {
				_, _ = conn.WriteToUnix(b, from)
			}
		}
	}()
	return path
}

// ptp4lDataSets answers like a free-running software-timestamping slave
// with the given ports.
func ptp4lDataSets(t testing.TB, ports ...PortStatus) func(seq uint16, id protocol.ManagementID) [][]byte {
	return func(seq uint16, id protocol.ManagementID) [][]byte {
		var tlv protocol.ManagementTLV
		switch id {
		case protocol.IDDefaultDataSet:
			tlv = &protocol.DefaultDataSetTLV{ManagementTLVHead: mgmtHead(id, 22), NumberPorts: uint16(len(ports))}
		case protocol.IDTimeStatusNP:
			tlv = &protocol.TimeStatusNPTLV{ManagementTLVHead: mgmtHead(id, 52), MasterOffsetNS: -280, IngressTimeNS: 1_700_000_000_123_456_789, GMPresent: 1, GMIdentity: 0xaa2b66fffe082961}
		case protocol.IDCurrentDataSet:
			tlv = &protocol.CurrentDataSetTLV{ManagementTLVHead: mgmtHead(id, 20), StepsRemoved: 1, OffsetFromMaster: protocol.NewTimeInterval(-280), MeanPathDelay: protocol.NewTimeInterval(2263)}
		case protocol.IDParentDataSet:
			tlv = &protocol.ParentDataSetTLV{ManagementTLVHead: mgmtHead(id, 34), GrandmasterIdentity: 0xaa2b66fffe082961,
				GrandmasterClockQuality: protocol.ClockQuality{ClockClass: 6, ClockAccuracy: protocol.ClockAccuracyNanosecond100}}
		case protocol.IDTimePropertiesDataSet:
			tlv = &TimePropertiesTLV{ManagementTLVHead: mgmtHead(id, 6), CurrentUTCOffset: 37, TimeSource: protocol.TimeSourceInternalOscillator}
		case protocol.IDPortPropertiesNP:
			var out [][]byte
			for _, p := range ports {
				out = append(out, response(t, seq, &protocol.PortPropertiesNPTLV{ManagementTLVHead: mgmtHead(id, 0),
					PortIdentity: protocol.PortIdentity{PortNumber: p.Number}, PortState: p.State, Timestamping: p.Timestamping, Interface: protocol.PTPText(p.Interface)}))
			}
			return out
		default:
			return [][]byte{errorResponse(t, seq, id)}
		}
		// An answer to an older request first: it must be skipped.
		return [][]byte{response(t, seq-1, tlv), response(t, seq, tlv)}
	}
}

func TestQueryPtp4l(t *testing.T) {
	ports := []PortStatus{
		{Number: 1, State: protocol.PortStateMaster, Interface: "eth0"},
		{Number: 2, State: protocol.PortStateUncalibrated, Interface: "eth1"},
	}
	socket := fakePtp4l(t, ptp4lDataSets(t, ports...))
	c := &ptp4lClient{socket: socket, timeout: time.Second}
	defer c.close()
	st, err := c.status()
	if err != nil {
		t.Fatal(err)
	}
	if st.OffsetFromMaster != -280 || st.MeanPathDelay != 2263 || st.StepsRemoved != 1 || !st.GrandmasterPresent ||
		st.IngressTime.UnixNano() != 1_700_000_000_123_456_789 || st.Grandmaster != 0xaa2b66fffe082961 ||
		st.GrandmasterQuality.ClockClass != 6 || st.Time.CurrentUTCOffset != 37 {
		t.Errorf("status %+v", st)
	}
	if slave, ok := st.Slave(); !ok || slave.Number != 2 || slave.Interface != "eth1" || len(st.Ports) != 2 {
		t.Errorf("ports %+v, slave %+v", st.Ports, slave)
	}
}

func TestMgmtFailures(t *testing.T) {
	tests := []struct {
		name   string
		answer func(seq uint16, id protocol.ManagementID) [][]byte
		want   string
	}{
		{name: "silent", answer: func(uint16, protocol.ManagementID) [][]byte { return nil }, want: "no answer within"},
		{name: "refused", answer: func(seq uint16, id protocol.ManagementID) [][]byte {
			return [][]byte{errorResponse(t, seq, id)}
		}, want: "refused: NOT_SUPPORTED"},
		{name: "garbage", answer: func(seq uint16, id protocol.ManagementID) [][]byte {
			b := response(t, seq, &protocol.ClockAccuracyTLV{ManagementTLVHead: mgmtHead(id, 4)})
			b[48] = 0x7f // not a management TLV
			return [][]byte{b}
		}, want: "malformed"},
		{name: "wrong data set", answer: func(seq uint16, id protocol.ManagementID) [][]byte {
			return [][]byte{response(t, seq, &protocol.ClockAccuracyTLV{ManagementTLVHead: mgmtHead(protocol.IDClockAccuracy, 4)})}
		}, want: "no answer within"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &ptp4lClient{socket: fakePtp4l(t, tt.answer), timeout: 100 * time.Millisecond}
			_, err := c.status()
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want one containing %q", err, tt.want)
			}
			if c.conn != nil {
				t.Error("the session stays open after a failure; a restarted ptp4l would not be found")
			}
		})
	}
}

func TestMgmtNoPtp4l(t *testing.T) {
	c := &ptp4lClient{socket: filepath.Join(t.TempDir(), "absent"), timeout: 100 * time.Millisecond}
	_, err := c.status()
	if err == nil || !strings.Contains(err.Error(), "is ptp4l running?") {
		t.Errorf("error %v", err)
	}
}

func FuzzManagementResponse(f *testing.F) {
	f.Add(response(f, 1, &protocol.CurrentDataSetTLV{ManagementTLVHead: mgmtHead(protocol.IDCurrentDataSet, 20), StepsRemoved: 1}))
	f.Add(response(f, 1, &TimePropertiesTLV{ManagementTLVHead: mgmtHead(protocol.IDTimePropertiesDataSet, 6), CurrentUTCOffset: 37}))
	f.Add(errorResponse(f, 1, protocol.IDCurrentDataSet))
	f.Fuzz(func(t *testing.T, b []byte) {
		c := &mgmtConn{}
		c.client.Sequence = 1
		for _, id := range []protocol.ManagementID{protocol.IDCurrentDataSet, protocol.IDTimePropertiesDataSet, protocol.IDPortPropertiesNP} {
			tlv, err := c.match(b, id)
			if tlv != nil && (err != nil || tlv.MgmtID() != id) {
				t.Fatalf("match returned %T for 0x%x with error %v", tlv, id, err)
			}
			if err != nil && errors.Is(err, protocol.ErrManagementMsgErrorStatus) {
				t.Fatalf("error status leaked as %v", err)
			}
		}
	})
}
