//go:build !linux

package ptp

import (
	"errors"
	"net"
	"net/netip"
)

// openSockets fails: the PTP client needs Linux's socket timestamps.
func openSockets(*net.Interface, netip.Addr, netip.Addr, bool) (transport, error) {
	return nil, errors.New("ptp: the PTP client needs Linux (SO_TIMESTAMPING)")
}
