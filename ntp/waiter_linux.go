//go:build linux

package ntp

import (
	"fmt"
	"os"
	"sync"
	"syscall"
	"time"

	"github.com/facebook/time/timestamp"
	"golang.org/x/sys/unix"
)

// waiter lets a query's goroutine wait for its socket in the Go runtime's
// poller without registering every new socket with the runtime (which
// costs system calls that wake the runtime's monitor thread, see
// rawsys_linux.go): the socket is added to the waiter's own epoll
// instance, which the runtime's poller watches for good. A waiter serves
// one query at a time and lends it its buffers; idle ones are kept for the
// next queries, so a query allocates neither.
type waiter struct {
	epfd   int
	file   *os.File // epfd, as the runtime's poller watches it
	rc     syscall.RawConn
	events [1]unix.EpollEvent
	// poll is pollOnce, for rc.Read; ready and pollErr are its results.
	poll    func(uintptr) bool
	ready   uint32
	pollErr error
	// buf and oob receive a datagram and its control messages.
	buf [1500]byte
	oob [timestamp.ControlSizeBytes]byte
}

// newWaiter makes an epoll instance and registers it with the runtime's
// poller.
func newWaiter() (*waiter, error) {
	epfd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("epoll: %w", err)
	}
	if err := unix.SetNonblock(epfd, true); err != nil {
		unix.Close(epfd)
		return nil, fmt.Errorf("epoll: %w", err)
	}
	f, rc, err := pollable(epfd, "ntp-epoll")
	if err != nil {
		return nil, fmt.Errorf("epoll: %w", err)
	}
	w := &waiter{epfd: epfd, file: f, rc: rc}
	w.poll = w.pollOnce
	return w, nil
}

// pollable makes a File of the non-blocking descriptor fd, which the
// runtime's poller watches, and returns it with its raw access; when that
// fails, fd is closed.
func pollable(fd int, name string) (*os.File, syscall.RawConn, error) {
	f := os.NewFile(uintptr(fd), name)
	rc, err := f.SyscallConn()
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	return f, rc, nil
}

// watch adds a socket; closing the socket removes it.
func (w *waiter) watch(fd int) error {
	ev := unix.EpollEvent{Events: unix.EPOLLIN, Fd: int32(fd)}
	return unix.EpollCtl(w.epfd, unix.EPOLL_CTL_ADD, fd, &ev)
}

// setDeadline bounds the waits from now on; a deadline in the past ends
// a wait at once.
func (w *waiter) setDeadline(t time.Time) error { return w.file.SetReadDeadline(t) }

// wait parks until the watched socket has a datagram or an error
// (EPOLLERR: a queued transmit timestamp or an ICMP error) and returns
// its events, or fails with os.ErrDeadlineExceeded when the deadline
// passes first.
func (w *waiter) wait() (uint32, error) {
	w.ready, w.pollErr = 0, nil
	err := w.rc.Read(w.poll)
	if err == nil {
		err = w.pollErr
	}
	return w.ready, err
}

// pollOnce is wait's check: it reports
// whether the watched socket is ready, in ready, or polling failed, in
// pollErr.
func (w *waiter) pollOnce(uintptr) bool {
	n, err := rawEpollPoll(w.epfd, w.events[:])
	if n > 0 {
		w.ready = w.events[0].Events
	}
	if err != nil && err != unix.EINTR {
		w.pollErr = fmt.Errorf("epoll: %w", err)
	}
	return n > 0 || w.pollErr != nil
}

// close releases the epoll instance.
func (w *waiter) close() { _ = w.file.Close() }

// maxIdleWaiters is how many idle waiters are kept: as many as queries
// usually overlap.
const maxIdleWaiters = 8

// waiterPool keeps idle waiters.
type waiterPool struct {
	mu   sync.Mutex
	idle []*waiter
}

// idleWaiters are the process's idle waiters.
var idleWaiters waiterPool

// get returns an idle waiter or a new one.
func (p *waiterPool) get() (*waiter, error) {
	p.mu.Lock()
	if n := len(p.idle); n > 0 {
		w := p.idle[n-1]
		p.idle = p.idle[:n-1]
		p.mu.Unlock()
		return w, nil
	}
	p.mu.Unlock()
	return newWaiter()
}

// put keeps w for a later query, or closes it when enough are kept.
func (p *waiterPool) put(w *waiter) {
	p.mu.Lock()
	if len(p.idle) < maxIdleWaiters {
		p.idle = append(p.idle, w)
		w = nil
	}
	p.mu.Unlock()
	if w != nil {
		w.close()
	}
}
