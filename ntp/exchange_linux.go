//go:build linux

package ntp

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"time"

	"github.com/clockwatch/clockwatch/internal/localclock"
	"github.com/facebook/time/timestamp"
)

// exchange sends req to addr from a fresh socket (a new random port for
// every query, like chronyd) with kernel software timestamps enabled before
// the first packet, and waits until deadline for a reply that echoes the
// nonce and passes out's check. The wait is in the Go runtime's poller
// (waiter) and the system calls are raw (rawsys_linux.go): a blocking
// receive, or a system call the runtime is told of, wakes the runtime's
// threads, which cost an agent that polls every second most of its CPU time
// (docs/footprint.md).
func exchange(ctx context.Context, ip netip.Addr, port uint16, out outgoing, deadline time.Time) (Exchange, error) {
	addr := netip.AddrPortFrom(ip, port)
	s, err := dialUDP(ctx, ip, port)
	if err != nil {
		return Exchange{}, fmt.Errorf("ntp: query %s: %w", addr, err)
	}
	reusable := true
	defer func() { s.close(reusable) }()
	if err := s.w.setDeadline(deadline); err != nil {
		return Exchange{}, fmt.Errorf("ntp: query %s: set read deadline: %w", addr, err)
	}
	// Cancelling ctx ends the wait at once; a waiter whose deadline a
	// cancellation may still move is not used again. (The end of a
	// polling loop's context ends the waits of the loop's waiter
	// already, and a context that never ends needs nothing.)
	if s.w.done != ctx.Done() {
		stop := context.AfterFunc(ctx, func() { _ = s.w.file.SetReadDeadline(time.Now()) })
		defer func() { reusable = stop() }()
	}

	t1 := localclock.System()
	if err := s.send(out.packet); err != nil {
		return Exchange{}, fmt.Errorf("ntp: query %s: send: %w", addr, err)
	}
	kernelTX := s.kernelTX
	if kernelTX {
		if ts, ok := s.txStamp(t1); ok {
			t1 = ts
		} else {
			kernelTX = false
		}
	}
	x, err := s.receive(ctx, addr, out, t1, deadline)
	if err != nil {
		return Exchange{}, err
	}
	stamps := StampUser
	switch {
	case kernelTX && x.Timestamping == StampKernel:
		stamps = StampKernel
	case x.Timestamping == StampKernel:
		stamps = StampKernelRX
	}
	x.T1, x.Timestamping = t1, stamps
	return x, nil
}

// receive reads replies until one echoes the request's nonce and passes
// its check, the deadline passes or ctx ends.
func (s *udpSocket) receive(ctx context.Context, addr netip.AddrPort, out outgoing, start, deadline time.Time) (Exchange, error) {
	buf, oob := s.w.buf[:], s.w.oob[:]
	nonce := out.packet[40:48]
	sawBadOrigin := false
	var authErr error
	for {
		n, oobn, t4, err := s.read(buf, oob)
		switch {
		case ctx.Err() != nil:
			return Exchange{}, ctx.Err()
		case errors.Is(err, os.ErrDeadlineExceeded):
			return Exchange{}, timeoutError(addr, sawBadOrigin, authErr, deadline.Sub(start))
		case err != nil:
			return Exchange{}, reject(ResultNetworkError, "ntp: query %s: receive: %v (is a server listening there?)", addr, err)
		}
		reply := buf[:n]
		if !echoes(reply, nonce) {
			sawBadOrigin = true
			continue
		}
		if authErr = out.checkReply(reply); authErr != nil {
			if finalAuthError(authErr) {
				return Exchange{}, timeoutError(addr, sawBadOrigin, authErr, deadline.Sub(start))
			}
			continue
		}
		stamps := StampUser
		if s.kernelRX {
			if ts, err := timestamp.ReadRXTimestamp(oob, oobn); err == nil && !ts.After(t4) {
				t4, stamps = ts, StampKernel
			}
		}
		return Exchange{Reply: append([]byte(nil), reply...), T4: t4, Timestamping: stamps}, nil
	}
}
