//go:build linux

package ntp

import (
	"net/netip"
	"unsafe"

	"golang.org/x/sys/unix"
)

// A query's system calls never block: its socket is non-blocking and the
// Go runtime's poller does the waiting (waiter). So they are raw system
// calls. A call through syscall.Syscall tells the runtime it may block,
// and the runtime wakes its monitor thread (sysmon) from its sleep to watch
// the call; the monitor then polls every 20 µs until the agent is idle
// again. For an agent that polls every second, those wake-ups were most of
// its CPU time (docs/footprint.md).

// rawSetsockoptInt sets an integer socket option.
func rawSetsockoptInt(fd, level, opt, value int) error {
	v := int32(value)
	_, _, errno := unix.RawSyscall6(unix.SYS_SETSOCKOPT, uintptr(fd), uintptr(level), uintptr(opt), uintptr(unsafe.Pointer(&v)), unsafe.Sizeof(v), 0)
	return errnoErr(errno)
}

// rawConnect connects a datagram socket to ip:port, which only sets its
// peer.
func rawConnect(fd int, ip netip.Addr, port uint16) error {
	var sa unsafe.Pointer
	var size uintptr
	if ip.Is4() {
		a := unix.RawSockaddrInet4{Family: unix.AF_INET, Addr: ip.As4()}
		putPort(&a.Port, port)
		sa, size = unsafe.Pointer(&a), unsafe.Sizeof(a)
	} else {
		a := unix.RawSockaddrInet6{Family: unix.AF_INET6, Addr: ip.As16()}
		putPort(&a.Port, port)
		sa, size = unsafe.Pointer(&a), unsafe.Sizeof(a)
	}
	_, _, errno := unix.RawSyscall(unix.SYS_CONNECT, uintptr(fd), uintptr(sa), size)
	return errnoErr(errno)
}

// putPort stores port in network byte order.
func putPort(dst *uint16, port uint16) {
	b := (*[2]byte)(unsafe.Pointer(dst))
	b[0], b[1] = byte(port>>8), byte(port)
}

// rawWrite sends p on a connected socket.
func rawWrite(fd int, p []byte) error {
	_, _, errno := unix.RawSyscall(unix.SYS_WRITE, uintptr(fd), uintptr(unsafe.Pointer(unsafe.SliceData(p))), uintptr(len(p)))
	return errnoErr(errno)
}

// rawRead reads from a non-blocking descriptor.
func rawRead(fd int, p []byte) (int, error) {
	r, _, errno := unix.RawSyscall(unix.SYS_READ, uintptr(fd), uintptr(unsafe.Pointer(unsafe.SliceData(p))), uintptr(len(p)))
	if errno != 0 {
		return 0, errno
	}
	return int(r), nil
}

// rawRecvmsg receives one message into p and its control messages into
// oob, without the sender's address, which a connected socket knows.
func rawRecvmsg(fd int, p, oob []byte, flags int) (n, oobn int, err error) {
	var msg unix.Msghdr
	var iov unix.Iovec
	if len(p) > 0 {
		iov.Base = &p[0]
		iov.SetLen(len(p))
		msg.Iov = &iov
		msg.SetIovlen(1)
	}
	if len(oob) > 0 {
		msg.Control = &oob[0]
		msg.SetControllen(len(oob))
	}
	r, _, errno := unix.RawSyscall(unix.SYS_RECVMSG, uintptr(fd), uintptr(unsafe.Pointer(&msg)), uintptr(flags))
	if errno != 0 {
		return 0, 0, errno
	}
	return int(r), min(int(msg.Controllen), len(oob)), nil
}

// rawEpollPoll returns the ready events of an epoll instance without
// waiting.
func rawEpollPoll(epfd int, events []unix.EpollEvent) (int, error) {
	r, _, errno := unix.RawSyscall6(unix.SYS_EPOLL_PWAIT, uintptr(epfd), uintptr(unsafe.Pointer(unsafe.SliceData(events))), uintptr(len(events)), 0, 0, 0)
	if errno != 0 {
		return 0, errno
	}
	return int(r), nil
}

// rawClose closes a socket of a query.
func rawClose(fd int) {
	_, _, _ = unix.RawSyscall(unix.SYS_CLOSE, uintptr(fd), 0, 0)
}

// errnoErr turns a raw system call's errno into an error.
func errnoErr(errno unix.Errno) error {
	if errno != 0 {
		return errno
	}
	return nil
}
