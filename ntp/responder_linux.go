//go:build linux

package ntp

import (
	"net"
	"time"

	"github.com/facebook/time/timestamp"
)

// rxControlSize is room for the receive timestamp's control message.
const rxControlSize = timestamp.ControlSizeBytes

// enableRXTimestamps asks the kernel to stamp every packet conn receives
// (software timestamps, SO_TIMESTAMPING) and reports whether it will.
func enableRXTimestamps(conn *net.UDPConn) bool {
	raw, err := conn.SyscallConn()
	if err != nil {
		return false
	}
	var enableErr error
	if err := raw.Control(func(fd uintptr) { enableErr = timestamp.EnableSWTimestampsRx(int(fd)) }); err != nil {
		return false
	}
	return enableErr == nil
}

// rxTimestamp reads the kernel's receive timestamp from a packet's control
// messages.
func rxTimestamp(oob []byte) (time.Time, bool) {
	ts, err := timestamp.ReadRXTimestamp(oob, len(oob))
	return ts, err == nil
}
