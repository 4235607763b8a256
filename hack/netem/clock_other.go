//go:build !linux

package netem

import (
	"net"
	"net/netip"
	"time"
)

// spinWindow is how long before a deadline sleepUntil stops sleeping and
// spins: the Go timer may wake a millisecond late.
const spinWindow = 2 * time.Millisecond

// enableReceiveStamps does nothing: only Linux gives kernel receive stamps
// here, so the relay's wake-up latency adds to the delay.
func enableReceiveStamps(*net.UDPConn) error { return nil }

// readStamped reads one datagram and the time it was read.
func readStamped(conn *net.UDPConn, buf []byte) (int, netip.AddrPort, time.Time, error) {
	n, from, err := conn.ReadFromUDPAddrPort(buf)
	return n, from, time.Now(), err
}

// sleepUntil returns at deadline: it sleeps until shortly before and spins
// the rest.
func sleepUntil(deadline time.Time) {
	if d := time.Until(deadline) - spinWindow; d > 0 {
		time.Sleep(d)
	}
	for time.Now().Before(deadline) {
	}
}
