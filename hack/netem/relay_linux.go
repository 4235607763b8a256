//go:build linux

package netem

import (
	"container/heap"
	"encoding/binary"
	"errors"
	"net"
	"net/netip"
	"runtime"
	"sync"
	"time"

	"github.com/clockwatch/clockwatch/internal/netns"
	"golang.org/x/sys/unix"
)

// The Linux engine keeps the Go scheduler out of the datagrams' way: a
// request that arrives while the process is idle would otherwise wait far
// longer for a goroutine to wake than a reply that arrives right after it,
// which makes the relay itself asymmetric. One thread receives, blocking in
// ppoll on raw sockets that stamp each datagram in the kernel; one thread
// sends, sleeping in ppoll until shortly before the next datagram is due
// and spinning the rest. Both run with a real-time priority when the
// process may (root), so a busy machine delays them by microseconds.

// spinWindow is how long before a datagram is due the sender stops
// sleeping and spins.
const spinWindow = 100 * time.Microsecond

// realtimePriority is the SCHED_FIFO priority of the relay's threads:
// above every normal thread, below the kernel's own.
const realtimePriority = 10

// threadEngine is the Linux engine.
type threadEngine struct {
	r      *Relay
	listen int
	server unix.Sockaddr
	// stop becomes readable when the relay closes; wake when a datagram
	// is queued.
	stop, wake int

	// upstream maps a client to its socket towards the server, clients
	// the other way; only the receiving thread uses them.
	upstream map[netip.AddrPort]int
	clients  map[int]unix.Sockaddr

	mu    sync.Mutex
	queue heldQueue

	done sync.WaitGroup
}

// held is a datagram waiting to be sent.
type held struct {
	due  time.Time
	fd   int
	to   unix.Sockaddr // nil on a connected socket
	data []byte
}

// heldQueue is a min-heap of datagrams by due time.
type heldQueue []held

func (q heldQueue) Len() int           { return len(q) }
func (q heldQueue) Less(i, j int) bool { return q[i].due.Before(q[j].due) }
func (q heldQueue) Swap(i, j int)      { q[i], q[j] = q[j], q[i] }
func (q *heldQueue) Push(x any)        { *q = append(*q, x.(held)) }
func (q *heldQueue) Pop() any {
	old := *q
	h := old[len(old)-1]
	*q = old[:len(old)-1]
	return h
}

func startEngine(r *Relay, listen, server *net.UDPAddr) (engine, *net.UDPAddr, error) {
	e := &threadEngine{r: r, server: sockaddr(server.AddrPort()), upstream: map[netip.AddrPort]int{}, clients: map[int]unix.Sockaddr{}, listen: -1, stop: -1, wake: -1}
	addr, err := e.open(listen)
	if err != nil {
		e.closeFDs()
		return nil, nil, err
	}
	e.done.Add(2)
	go e.receive()
	go e.send()
	return e, addr, nil
}

// open makes the eventfds and the listening socket.
func (e *threadEngine) open(listen *net.UDPAddr) (*net.UDPAddr, error) {
	var err error
	if e.stop, err = unix.Eventfd(0, unix.EFD_CLOEXEC|unix.EFD_NONBLOCK); err != nil {
		return nil, err
	}
	if e.wake, err = unix.Eventfd(0, unix.EFD_CLOEXEC|unix.EFD_NONBLOCK); err != nil {
		return nil, err
	}
	ap := listen.AddrPort()
	if e.listen, err = e.socket(ap.Addr()); err != nil {
		return nil, err
	}
	if err := unix.Bind(e.listen, sockaddr(ap)); err != nil {
		return nil, err
	}
	sa, err := unix.Getsockname(e.listen)
	if err != nil {
		return nil, err
	}
	return net.UDPAddrFromAddrPort(addrPort(sa)), nil
}

// close stops both threads and closes the sockets.
func (e *threadEngine) close() error {
	one := make([]byte, 8)
	binary.NativeEndian.PutUint64(one, 1)
	if _, err := unix.Write(e.stop, one); err != nil {
		return err
	}
	e.done.Wait()
	e.closeFDs()
	return nil
}

func (e *threadEngine) closeFDs() {
	for _, fd := range append([]int{e.listen, e.stop, e.wake}, keys(e.clients)...) {
		if fd >= 0 {
			unix.Close(fd)
		}
	}
}

// receive runs on its own thread: it waits for datagrams on every socket
// and queues them.
func (e *threadEngine) receive() {
	defer e.done.Done()
	runtime.LockOSThread() // never unlocked: the thread ends with us
	raisePriority()
	buf, oob := make([]byte, maxDatagram), make([]byte, 128)
	for {
		fds := []unix.PollFd{{Fd: int32(e.stop), Events: unix.POLLIN}, {Fd: int32(e.listen), Events: unix.POLLIN}}
		for fd := range e.clients {
			fds = append(fds, unix.PollFd{Fd: int32(fd), Events: unix.POLLIN})
		}
		if _, err := unix.Ppoll(fds, nil, nil); err != nil && !errors.Is(err, unix.EINTR) {
			return
		}
		if fds[0].Revents != 0 {
			return
		}
		for _, p := range fds[1:] {
			if p.Revents != 0 {
				e.drain(int(p.Fd), buf, oob)
			}
		}
	}
}

// drain reads every datagram waiting on fd and queues it.
func (e *threadEngine) drain(fd int, buf, oob []byte) {
	for {
		n, oobn, _, from, err := unix.Recvmsg(fd, buf, oob, unix.MSG_DONTWAIT)
		if err != nil {
			return
		}
		rx := receiveTime(oob[:oobn])
		if fd != e.listen {
			e.hold(buf[:n], rx, e.r.path(false), e.listen, e.clients[fd])
			continue
		}
		up, err := e.upstreamFor(from)
		if err != nil {
			continue
		}
		e.hold(buf[:n], rx, e.r.path(true), up, nil)
	}
}

// upstreamFor returns the socket towards the server for a client, opening
// it on first use.
func (e *threadEngine) upstreamFor(client unix.Sockaddr) (int, error) {
	key := addrPort(client)
	if fd, ok := e.upstream[key]; ok {
		return fd, nil
	}
	fd, err := e.socket(addrPort(e.server).Addr())
	if err != nil {
		return -1, err
	}
	if err := unix.Connect(fd, e.server); err != nil {
		unix.Close(fd)
		return -1, err
	}
	e.upstream[key], e.clients[fd] = fd, client
	return fd, nil
}

// hold sends data, received at rx, on fd (to to, if not connected) when p
// says. A datagram due within spinWindow goes out from this thread, which
// is awake already; waking the sender would cost more than the hold.
// Others are queued for the sender.
func (e *threadEngine) hold(data []byte, rx time.Time, p Path, fd int, to unix.Sockaddr) {
	due, ok := e.r.schedule(rx, p)
	if !ok {
		return
	}
	data = p.rewritten(data)
	h := held{due: due, fd: fd, to: to, data: data}
	if time.Until(due) <= spinWindow {
		e.transmit(h)
		return
	}
	h.data = append([]byte(nil), data...)
	e.mu.Lock()
	heap.Push(&e.queue, h)
	e.mu.Unlock()
	one := make([]byte, 8)
	binary.NativeEndian.PutUint64(one, 1)
	unix.Write(e.wake, one)
}

// send runs on its own thread: it sleeps until the next datagram is almost
// due, spins until it is, and sends it.
func (e *threadEngine) send() {
	defer e.done.Done()
	runtime.LockOSThread() // never unlocked: the thread ends with us
	raisePriority()
	counter := make([]byte, 8)
	for {
		fds := []unix.PollFd{{Fd: int32(e.stop), Events: unix.POLLIN}, {Fd: int32(e.wake), Events: unix.POLLIN}}
		if _, err := unix.Ppoll(fds, e.sleepFor(), nil); err != nil && !errors.Is(err, unix.EINTR) {
			return
		}
		if fds[0].Revents != 0 {
			return
		}
		if fds[1].Revents != 0 {
			unix.Read(e.wake, counter)
		}
		e.sendDue()
	}
}

// sleepFor is how long the sender may sleep: until spinWindow before the
// next datagram is due, or for ever (nil) when none waits.
func (e *threadEngine) sleepFor() *unix.Timespec {
	e.mu.Lock()
	defer e.mu.Unlock()
	if len(e.queue) == 0 {
		return nil
	}
	ts := unix.NsecToTimespec(max(time.Until(e.queue[0].due)-spinWindow, 0).Nanoseconds())
	return &ts
}

// sendDue sends every datagram due within spinWindow, each at its time.
func (e *threadEngine) sendDue() {
	for {
		e.mu.Lock()
		if len(e.queue) == 0 || time.Until(e.queue[0].due) > spinWindow {
			e.mu.Unlock()
			return
		}
		h := heap.Pop(&e.queue).(held)
		e.mu.Unlock()
		e.transmit(h)
	}
}

// transmit spins until h is due and sends it.
func (e *threadEngine) transmit(h held) {
	for time.Now().Before(h.due) {
	}
	e.r.forwarded.Add(1)
	if h.to == nil {
		unix.Write(h.fd, h.data)
	} else {
		unix.Sendto(h.fd, h.data, 0, h.to)
	}
}

// socket opens a stamped socket in the link's namespace: a socket stays in
// the namespace it was made in, whichever thread uses it later.
func (e *threadEngine) socket(addr netip.Addr) (int, error) {
	fd := -1
	err := netns.Do(e.r.link.Namespace, func() (err error) {
		fd, err = stampedSocket(addr)
		return err
	})
	return fd, err
}

// stampedSocket opens a non-blocking UDP socket for addresses like addr
// that stamps received datagrams in the kernel (SO_TIMESTAMPNS).
func stampedSocket(addr netip.Addr) (int, error) {
	family := unix.AF_INET6
	if addr.Unmap().Is4() {
		family = unix.AF_INET
	}
	fd, err := unix.Socket(family, unix.SOCK_DGRAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, unix.IPPROTO_UDP)
	if err != nil {
		return -1, err
	}
	if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_TIMESTAMPNS, 1); err != nil {
		unix.Close(fd)
		return -1, err
	}
	return fd, nil
}

// receiveTime returns the kernel's receive stamp in the control messages,
// or now if there is none.
func receiveTime(oob []byte) time.Time {
	msgs, err := unix.ParseSocketControlMessage(oob)
	if err == nil {
		for _, m := range msgs {
			if m.Header.Level == unix.SOL_SOCKET && m.Header.Type == unix.SO_TIMESTAMPNS {
				if t, ok := timespec(m.Data); ok {
					return t
				}
			}
		}
	}
	return time.Now()
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

// sockaddr converts an address for the socket calls.
func sockaddr(ap netip.AddrPort) unix.Sockaddr {
	if a := ap.Addr().Unmap(); a.Is4() {
		return &unix.SockaddrInet4{Port: int(ap.Port()), Addr: a.As4()}
	}
	return &unix.SockaddrInet6{Port: int(ap.Port()), Addr: ap.Addr().As16()}
}

// addrPort converts a socket address back.
func addrPort(sa unix.Sockaddr) netip.AddrPort {
	switch sa := sa.(type) {
	case *unix.SockaddrInet4:
		return netip.AddrPortFrom(netip.AddrFrom4(sa.Addr), uint16(sa.Port))
	case *unix.SockaddrInet6:
		return netip.AddrPortFrom(netip.AddrFrom16(sa.Addr), uint16(sa.Port))
	}
	return netip.AddrPort{}
}

// keys returns the keys of m.
func keys(m map[int]unix.Sockaddr) []int {
	out := make([]int, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

// raisePriority makes the calling thread real-time, if the process may.
func raisePriority() {
	attr := unix.SchedAttr{Policy: unix.SCHED_FIFO, Priority: realtimePriority}
	unix.SchedSetAttr(0, &attr, 0)
}
