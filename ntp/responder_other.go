//go:build !linux

package ntp

import (
	"net"
	"time"
)

// rxControlSize is zero: no control messages are read off Linux.
const rxControlSize = 0

// enableRXTimestamps reports that kernel receive timestamps are not
// available: the portable responder stamps in user space.
func enableRXTimestamps(*net.UDPConn) bool { return false }

// rxTimestamp never finds a kernel timestamp off Linux.
func rxTimestamp([]byte) (time.Time, bool) { return time.Time{}, false }
