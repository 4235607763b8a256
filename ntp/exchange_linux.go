//go:build linux

package ntp

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"time"

	"github.com/clockwatch/clockwatch/internal/localclock"
	"github.com/facebook/time/timestamp"
	"golang.org/x/sys/unix"
)

// recvSlice is the socket read timeout: a blocking recvmsg can miss the
// wake-up of a fast reply, so reads time out and retry until the deadline.
const recvSlice = 50 * time.Millisecond

// exchange sends req to addr from a fresh socket (a new random port for
// every query, like chronyd) with kernel software timestamps enabled before
// the first packet, and waits until deadline for a reply that echoes the
// nonce and passes out's check.
func exchange(ctx context.Context, ip netip.Addr, port uint16, out outgoing, deadline time.Time) (Exchange, error) {
	req := out.packet
	addr := netip.AddrPortFrom(ip, port)
	family := unix.AF_INET6
	if ip.Is4() {
		family = unix.AF_INET
	}
	fd, err := unix.Socket(family, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, unix.IPPROTO_UDP)
	if err != nil {
		return Exchange{}, fmt.Errorf("ntp: query %s: socket: %w", addr, err)
	}
	defer unix.Close(fd)
	kernelTX, kernelRX := enableTimestamps(fd)
	tv := unix.NsecToTimeval(recvSlice.Nanoseconds())
	if err := unix.SetsockoptTimeval(fd, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &tv); err != nil {
		return Exchange{}, fmt.Errorf("ntp: query %s: set read timeout: %w", addr, err)
	}
	if err := unix.Connect(fd, timestamp.AddrToSockaddr(ip, int(port))); err != nil {
		return Exchange{}, fmt.Errorf("ntp: query %s: connect: %w (check the route to the server)", addr, err)
	}

	t1 := localclock.System()
	if _, err := unix.Write(fd, req); err != nil {
		return Exchange{}, fmt.Errorf("ntp: query %s: send: %w", addr, err)
	}
	stamps := StampUser
	if kernelTX {
		if ts, ok := readTXStamp(fd, t1); ok {
			t1 = ts
		} else {
			kernelTX = false
		}
	}
	x, err := receive(ctx, fd, addr, out, deadline, kernelRX)
	if err != nil {
		return Exchange{}, err
	}
	switch {
	case kernelTX && x.Timestamping == StampKernel:
		stamps = StampKernel
	case x.Timestamping == StampKernel:
		stamps = StampKernelRX
	}
	x.T1, x.Timestamping = t1, stamps
	return x, nil
}

// enableTimestamps asks for kernel transmit and receive timestamps, or
// receive only, and reports what it got.
func enableTimestamps(fd int) (tx, rx bool) {
	if timestamp.EnableSWTimestamps(fd) == nil {
		return true, true
	}
	return false, timestamp.EnableSWTimestampsRx(fd) == nil
}

// readTXStamp reads the kernel's transmit timestamp from the error queue.
// It is trusted only when it falls shortly after sent, the user-space time
// taken before the send.
func readTXStamp(fd int, sent time.Time) (time.Time, bool) {
	oob := make([]byte, timestamp.ControlSizeBytes)
	scratch := make([]byte, timestamp.ControlSizeBytes)
	ts, _, err := timestamp.ReadTXtimestampBuf(fd, oob, scratch)
	if err != nil || ts.Before(sent) || ts.Sub(sent) > time.Second {
		return time.Time{}, false
	}
	return ts, true
}

// receive reads replies until one echoes the request's nonce and passes
// its check, or the deadline passes.
func receive(ctx context.Context, fd int, addr netip.AddrPort, out outgoing, deadline time.Time, kernelRX bool) (Exchange, error) {
	buf := make([]byte, 1500)
	oob := make([]byte, timestamp.ControlSizeBytes)
	nonce := out.packet[40:48]
	sawBadOrigin := false
	var authErr error
	start := time.Now()
	for time.Now().Before(deadline) {
		if err := waitContext(ctx); err != nil {
			return Exchange{}, err
		}
		n, oobn, _, _, err := unix.Recvmsg(fd, buf, oob, 0)
		t4 := localclock.System()
		if errors.Is(err, unix.EAGAIN) || errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil {
			return Exchange{}, reject(ResultNetworkError, "ntp: query %s: receive: %v (is a server listening there?)", addr, err)
		}
		reply := buf[:n]
		if !echoes(reply, nonce) {
			sawBadOrigin = true
			continue
		}
		if authErr = out.checkReply(reply); authErr != nil {
			if finalAuthError(authErr) {
				break
			}
			continue
		}
		stamps := StampUser
		if kernelRX {
			if ts, err := timestamp.ReadRXTimestamp(oob, oobn); err == nil && !ts.After(t4) {
				t4, stamps = ts, StampKernel
			}
		}
		return Exchange{Reply: append([]byte(nil), reply...), T4: t4, Timestamping: stamps}, nil
	}
	return Exchange{}, timeoutError(addr, sawBadOrigin, authErr, deadline.Sub(start))
}
