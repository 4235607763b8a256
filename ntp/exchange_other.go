//go:build !linux

package ntp

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"time"

	"github.com/clockwatch/clockwatch/internal/localclock"
)

// exchange is the portable query: user-space timestamps taken right
// before the send and right after the receive.
func exchange(ctx context.Context, ip netip.Addr, port uint16, out outgoing, deadline time.Time) (Exchange, error) {
	req := out.packet
	addr := netip.AddrPortFrom(ip, port)
	conn, err := net.DialUDP("udp", nil, net.UDPAddrFromAddrPort(addr))
	if err != nil {
		return Exchange{}, fmt.Errorf("ntp: query %s: %w", addr, err)
	}
	defer conn.Close()
	stop := context.AfterFunc(ctx, func() { _ = conn.SetReadDeadline(time.Now()) })
	defer stop()
	if err := conn.SetReadDeadline(deadline); err != nil {
		return Exchange{}, err
	}
	t1 := localclock.System()
	if _, err := conn.Write(req); err != nil {
		return Exchange{}, fmt.Errorf("ntp: query %s: send: %w", addr, err)
	}
	buf := make([]byte, 1500)
	sawBadOrigin := false
	var authErr error
	for {
		n, err := conn.Read(buf)
		t4 := localclock.System()
		if errors.Is(err, os.ErrDeadlineExceeded) {
			if ctx.Err() != nil {
				return Exchange{}, ctx.Err()
			}
			return Exchange{}, timeoutError(addr, sawBadOrigin, authErr, deadline.Sub(t1))
		}
		if err != nil {
			return Exchange{}, reject(ResultNetworkError, "ntp: query %s: receive: %v (is a server listening there?)", addr, err)
		}
		if !echoes(buf[:n], req[40:48]) {
			sawBadOrigin = true
			continue
		}
		if authErr = out.checkReply(buf[:n]); authErr != nil {
			if finalAuthError(authErr) {
				return Exchange{}, timeoutError(addr, sawBadOrigin, authErr, deadline.Sub(t1))
			}
			continue
		}
		return Exchange{Reply: append([]byte(nil), buf[:n]...), T1: t1, T4: t4, Timestamping: StampUser}, nil
	}
}
