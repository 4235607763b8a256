//go:build linux

package netem

import (
	"encoding/binary"
	"fmt"
	"net"
	"net/netip"
	"time"

	"golang.org/x/sys/unix"
)

// spinWindow is how long before a deadline sleepUntil stops sleeping and
// spins: a real-time thread wakes from clock_nanosleep within tens of
// microseconds, and the spin takes up the rest.
const spinWindow = 150 * time.Microsecond

// enableReceiveStamps asks the kernel to stamp every datagram conn
// receives (SO_TIMESTAMPNS), so the relay's own wake-up latency does not
// add to the delay.
func enableReceiveStamps(conn *net.UDPConn) error {
	raw, err := conn.SyscallConn()
	if err != nil {
		return fmt.Errorf("netem: %w", err)
	}
	var serr error
	if err := raw.Control(func(fd uintptr) {
		serr = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_TIMESTAMPNS, 1)
	}); err != nil {
		return fmt.Errorf("netem: %w", err)
	}
	if serr != nil {
		return fmt.Errorf("netem: enable SO_TIMESTAMPNS: %w", serr)
	}
	return nil
}

// readStamped reads one datagram and the kernel's receive time (now, if
// the kernel gave none).
func readStamped(conn *net.UDPConn, buf []byte) (int, netip.AddrPort, time.Time, error) {
	oob := make([]byte, 128)
	n, oobn, _, from, err := conn.ReadMsgUDPAddrPort(buf, oob)
	if err != nil {
		return 0, netip.AddrPort{}, time.Time{}, err
	}
	rx := time.Now()
	msgs, err := unix.ParseSocketControlMessage(oob[:oobn])
	if err != nil {
		return n, from, rx, nil
	}
	for _, m := range msgs {
		if m.Header.Level == unix.SOL_SOCKET && m.Header.Type == unix.SO_TIMESTAMPNS {
			if t, ok := timespec(m.Data); ok {
				rx = t
			}
		}
	}
	return n, from, rx, nil
}

// timespec decodes a struct timespec of 64- or 32-bit fields.
func timespec(b []byte) (time.Time, bool) {
	switch len(b) {
	case 16:
		return time.Unix(int64(binary.NativeEndian.Uint64(b)), int64(binary.NativeEndian.Uint64(b[8:]))), true
	case 8:
		return time.Unix(int64(int32(binary.NativeEndian.Uint32(b))), int64(int32(binary.NativeEndian.Uint32(b[4:])))), true
	}
	return time.Time{}, false
}

// sleepUntil returns at deadline (wall clock): it sleeps in the kernel
// until shortly before and spins the rest.
func sleepUntil(deadline time.Time) {
	if early := deadline.Add(-spinWindow); time.Until(early) > 0 {
		ts := unix.NsecToTimespec(early.UnixNano())
		for unix.ClockNanosleep(unix.CLOCK_REALTIME, unix.TIMER_ABSTIME, &ts, nil) == unix.EINTR {
		}
	}
	for time.Now().Before(deadline) {
	}
}
