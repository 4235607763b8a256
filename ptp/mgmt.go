package ptp

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"sync/atomic"
	"time"

	"github.com/facebook/time/ptp/protocol"
)

// mgmtConn is one management session with ptp4l over its unix datagram
// socket. ptp4l answers to the address the request came from, so the
// session binds a socket of its own, removed on Close.
type mgmtConn struct {
	conn    *net.UnixConn
	local   string
	client  protocol.MgmtClient
	timeout time.Duration
	buf     []byte
}

// localSockets numbers the sockets this process binds, so that sessions
// never share a path.
var localSockets atomic.Uint64

// dialMgmt connects to ptp4l's management socket. Every request must be
// answered within timeout.
func dialMgmt(socket string, timeout time.Duration) (*mgmtConn, error) {
	local := filepath.Join(os.TempDir(), fmt.Sprintf("clockwatch-pmc.%d.%d", os.Getpid(), localSockets.Add(1)))
	_ = os.Remove(local)
	conn, err := net.DialUnix("unixgram", &net.UnixAddr{Name: local, Net: "unixgram"}, &net.UnixAddr{Name: socket, Net: "unixgram"})
	if err != nil {
		_ = os.Remove(local)
		return nil, fmt.Errorf("ptp4l: connect to management socket %s: %w (is ptp4l running? see its uds_address)", socket, err)
	}
	c := &mgmtConn{conn: conn, local: local, timeout: timeout, buf: make([]byte, 1500)}
	c.client.Connection = conn
	return c, nil
}

// Close ends the session and removes its socket.
func (c *mgmtConn) Close() error {
	err := c.conn.Close()
	_ = os.Remove(c.local)
	return err
}

// get sends a GET request and returns the TLVs of the next n responses to
// it (n is the number of ports for a port data set, 1 otherwise).
// Responses to earlier requests are skipped.
func (c *mgmtConn) get(req *protocol.Management, n int) ([]protocol.ManagementTLV, error) {
	id := req.TLV.(interface{ MgmtID() protocol.ManagementID }).MgmtID()
	deadline := time.Now().Add(c.timeout)
	if err := c.conn.SetDeadline(deadline); err != nil {
		return nil, err
	}
	if err := c.client.SendPacket(req); err != nil {
		return nil, fmt.Errorf("ptp4l: send GET 0x%04x: %w", uint16(id), err)
	}
	var out []protocol.ManagementTLV
	for len(out) < n {
		size, err := c.conn.Read(c.buf)
		if err != nil {
			return nil, fmt.Errorf("ptp4l: GET 0x%04x: no answer within %v: %w", uint16(id), c.timeout, err)
		}
		tlv, err := c.match(c.buf[:size], id)
		if err != nil {
			return nil, err
		}
		if tlv != nil {
			out = append(out, tlv)
		}
	}
	return out, nil
}

// match parses one response: its TLV when it answers the current request
// for id, nil when it answers an earlier one, an error when ptp4l refused.
func (c *mgmtConn) match(b []byte, id protocol.ManagementID) (protocol.ManagementTLV, error) {
	if len(b) < 34 || binary.BigEndian.Uint16(b[30:]) != c.client.Sequence {
		return nil, nil
	}
	var m protocol.Management
	err := m.UnmarshalBinary(b)
	if errors.Is(err, protocol.ErrManagementMsgErrorStatus) {
		var e protocol.ManagementMsgErrorStatus
		if e.UnmarshalBinary(b) == nil && e.ManagementID == id {
			return nil, fmt.Errorf("ptp4l: GET 0x%04x refused: %s", uint16(id), e.ManagementErrorID)
		}
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("ptp4l: malformed answer to GET 0x%04x: %w", uint16(id), err)
	}
	if m.TLV.MgmtID() != id {
		return nil, nil
	}
	return m.TLV, nil
}

// getRequest is a GET of a management ID with no data, as pmc sends it.
func getRequest(id protocol.ManagementID) *protocol.Management {
	headSize := uint16(binary.Size(protocol.ManagementMsgHead{}))
	tlvHeadSize := uint16(binary.Size(protocol.TLVHead{}))
	return &protocol.Management{
		ManagementMsgHead: protocol.ManagementMsgHead{
			Header: protocol.Header{
				SdoIDAndMsgType:    protocol.NewSdoIDAndMsgType(protocol.MessageManagement, 0),
				Version:            protocol.Version,
				MessageLength:      headSize + tlvHeadSize + 2,
				SourcePortIdentity: protocol.PortIdentity{PortNumber: uint16(os.Getpid())},
				LogMessageInterval: protocol.MgmtLogMessageInterval,
			},
			TargetPortIdentity: protocol.DefaultTargetPortIdentity,
			ActionField:        protocol.GET,
		},
		TLV: &protocol.ManagementTLVHead{
			TLVHead:      protocol.TLVHead{TLVType: protocol.TLVManagement, LengthField: 2},
			ManagementID: id,
		},
	}
}
