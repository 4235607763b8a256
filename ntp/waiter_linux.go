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
// one query at a time and lends it its buffers, so a query allocates
// neither. Idle waiters are pooled for one-off queries; a source's polling
// loop owns one with a timer (loopWaiter, loop_linux.go).
type waiter struct {
	epfd int
	file *os.File // epfd, as the runtime's poller watches it
	rc   syscall.RawConn
	// timer is the timerfd in the epoll set of a polling loop's waiter,
	// which times its sleeps and its queries' deadlines; -1 in a pooled
	// waiter, whose deadline is the runtime's.
	timer int
	// done is the end of the context of a loop's waiter, which ends its
	// every wait; nil in a pooled waiter.
	done   <-chan struct{}
	events [2]unix.EpollEvent
	// pollSocket and pollTimer are check, for rc.Read, until the socket
	// or the timer is ready and until the timer is; ready, expired and
	// pollErr are their results. pollTimer first arms the timer for
	// sleepFor (sleep, loop_linux.go).
	pollSocket, pollTimer func(uintptr) bool
	sleepFor              time.Duration
	ready                 uint32
	expired               bool
	pollErr               error
	// count takes the timer's expiry count.
	count [8]byte
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
	w := &waiter{epfd: epfd, file: f, rc: rc, timer: -1, sleepFor: -1}
	w.pollSocket = func(uintptr) bool { return w.check() || w.ready != 0 || w.expired }
	w.pollTimer = func(uintptr) bool {
		if w.sleepFor >= 0 {
			d := w.sleepFor
			w.sleepFor = -1
			w.pollErr = w.arm(d)
			return w.pollErr != nil
		}
		return w.check() || w.expired
	}
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

// setDeadline bounds the waits for a socket from now on, on the runtime's
// deadline (a deadline in the past ends a wait at once) or, in a loop's
// waiter, on its timer: a runtime timer, even one stopped, wakes the
// runtime's monitor thread when its time comes (docs/footprint.md). A
// loop's waiter keeps its timer armed after the query (the loop's sleep
// re-arms it): the zero time leaves it.
func (w *waiter) setDeadline(t time.Time) error {
	if w.timer < 0 {
		return w.file.SetReadDeadline(t)
	}
	if t.IsZero() {
		return nil
	}
	return w.arm(time.Until(t))
}

// wait parks until the watched socket has a datagram or an error
// (EPOLLERR: a queued transmit timestamp or an ICMP error) and returns
// its events, or fails with os.ErrDeadlineExceeded when the deadline
// passes first.
func (w *waiter) wait() (uint32, error) {
	w.ready, w.pollErr = 0, nil
	err := w.rc.Read(w.pollSocket)
	if err == nil {
		err = w.pollErr
	}
	if err == nil && w.ready == 0 {
		err = os.ErrDeadlineExceeded
	}
	return w.ready, err
}

// check takes the ready events of the waiter's epoll set without waiting:
// the socket's into ready, the timer's expiry (read, so that the timer is
// no longer ready) into expired; it reports whether polling failed, in
// pollErr.
func (w *waiter) check() bool {
	n, err := rawEpollPoll(w.epfd, w.events[:])
	for _, ev := range w.events[:max(n, 0)] {
		if int(ev.Fd) == w.timer {
			w.expired = true
			_, _ = rawRead(w.timer, w.count[:])
		} else {
			w.ready |= ev.Events
		}
	}
	if err != nil && err != unix.EINTR {
		w.pollErr = fmt.Errorf("epoll: %w", err)
	}
	return w.pollErr != nil
}

// close releases the epoll instance and the timer.
func (w *waiter) close() {
	if w.timer >= 0 {
		rawClose(w.timer)
	}
	_ = w.file.Close()
}

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
