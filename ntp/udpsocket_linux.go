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

// txStampWait is how long a transmit timestamp the kernel has not queued
// by the end of the send is waited for (the kernel stamps a packet as it
// leaves, which is during the send unless the packet is queued).
const txStampWait = time.Millisecond

// Kernel software timestamps a query asks for: transmit and receive, the
// transmit timestamp queued without the packet; or receive only.
const (
	stampTXRX = unix.SOF_TIMESTAMPING_TX_SOFTWARE | unix.SOF_TIMESTAMPING_RX_SOFTWARE |
		unix.SOF_TIMESTAMPING_SOFTWARE | unix.SOF_TIMESTAMPING_OPT_TSONLY
	stampRX = unix.SOF_TIMESTAMPING_RX_SOFTWARE | unix.SOF_TIMESTAMPING_SOFTWARE
)

// udpSocket is a query's connected, non-blocking UDP socket with kernel
// software timestamps, and the waiter its reads wait in.
type udpSocket struct {
	fd                 int
	w                  *waiter
	kernelTX, kernelRX bool
}

// dialUDP opens a socket to ip:port from a new random port, with kernel
// timestamps enabled before the first packet; it waits in the waiter of
// ctx's polling loop, or in a pooled one.
func dialUDP(ctx context.Context, ip netip.Addr, port uint16) (*udpSocket, error) {
	family := unix.AF_INET6
	if ip.Is4() {
		family = unix.AF_INET
	}
	fd, err := unix.Socket(family, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC|unix.SOCK_NONBLOCK, unix.IPPROTO_UDP)
	if err != nil {
		return nil, fmt.Errorf("socket: %w", err)
	}
	s := &udpSocket{fd: fd}
	s.kernelTX, s.kernelRX = enableTimestamps(fd)
	if err := rawConnect(fd, ip, port); err != nil {
		rawClose(fd)
		return nil, fmt.Errorf("connect: %w (check the route to the server)", err)
	}
	if s.w = loopWaiter(ctx); s.w == nil {
		if s.w, err = idleWaiters.get(); err != nil {
			rawClose(fd)
			return nil, err
		}
	}
	if err := s.w.watch(fd); err != nil {
		s.close(true)
		return nil, fmt.Errorf("epoll: %w", err)
	}
	return s, nil
}

// close closes the socket, which leaves the waiter's set. A pooled waiter
// is kept for later queries if reusable: when nothing may still move its
// deadline. A kept waiter's deadline is cleared, so that its timer does
// not wake the agent after the query. A loop's waiter stays with its loop.
func (s *udpSocket) close(reusable bool) {
	rawClose(s.fd)
	switch {
	case s.w.timer >= 0:
	case reusable:
		_ = s.w.setDeadline(time.Time{})
		idleWaiters.put(s.w)
	default:
		s.w.close()
	}
}

// enableTimestamps asks for kernel transmit and receive timestamps, or
// receive only, and reports what it got.
func enableTimestamps(fd int) (tx, rx bool) {
	if setTimestamping(fd, stampTXRX) == nil {
		return true, true
	}
	return false, setTimestamping(fd, stampRX) == nil
}

// setTimestamping sets SO_TIMESTAMPING_NEW (64-bit times on every
// architecture) or, where the kernel does not know it (before Linux 5.1),
// SO_TIMESTAMPING.
func setTimestamping(fd, flags int) error {
	err := rawSetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_TIMESTAMPING_NEW, flags)
	if errors.Is(err, unix.ENOPROTOOPT) {
		err = rawSetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_TIMESTAMPING, flags)
	}
	return err
}

// send writes one datagram. A UDP socket's send does not wait for room.
func (s *udpSocket) send(p []byte) error { return rawWrite(s.fd, p) }

// txStamp reads the kernel's transmit timestamp of the datagram sent from
// the error queue. It is trusted only when it falls shortly after sent,
// the user-space time taken before the send.
func (s *udpSocket) txStamp(sent time.Time) (time.Time, bool) {
	oob := s.w.oob[:]
	_, oobn, err := rawRecvmsg(s.fd, nil, oob, unix.MSG_ERRQUEUE)
	if errors.Is(err, unix.EAGAIN) {
		// Not stamped during the send: the packet was queued.
		pfd := []unix.PollFd{{Fd: int32(s.fd), Events: unix.POLLERR}}
		_, _ = unix.Poll(pfd, int(txStampWait.Milliseconds()))
		_, oobn, err = rawRecvmsg(s.fd, nil, oob, unix.MSG_ERRQUEUE)
	}
	if err != nil {
		return time.Time{}, false
	}
	// A transmit timestamp comes in the control message a receive
	// timestamp comes in.
	ts, err := timestamp.ReadRXTimestamp(oob, oobn)
	if err != nil || ts.Before(sent) || ts.Sub(sent) > time.Second {
		return time.Time{}, false
	}
	return ts, true
}

// read reads a datagram into buf and its control messages into oob,
// waiting for one until the waiter's deadline (os.ErrDeadlineExceeded);
// t4 is the system clock right after the read.
func (s *udpSocket) read(buf, oob []byte) (n, oobn int, t4 time.Time, err error) {
	for {
		n, oobn, err = rawRecvmsg(s.fd, buf, oob, 0)
		t4 = localclock.System()
		switch {
		case errors.Is(err, unix.EINTR):
			continue
		case !errors.Is(err, unix.EAGAIN):
			return n, oobn, t4, err
		}
		events, err := s.w.wait()
		if err != nil {
			return 0, 0, t4, err
		}
		if events&unix.EPOLLERR != 0 && events&unix.EPOLLIN == 0 {
			// A transmit timestamp queued after txStamp gave up keeps
			// the socket ready: drop it. (An ICMP error is the next
			// read's error instead.)
			_, _, _ = rawRecvmsg(s.fd, nil, oob, unix.MSG_ERRQUEUE)
		}
	}
}
