//go:build linux

package fdtimer

import (
	"os"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// kernelTimer is a timerfd of the monotonic clock that the runtime's
// poller watches.
type kernelTimer struct {
	fd   int
	file *os.File // fd, as the runtime's poller watches it
	rc   syscall.RawConn
	// count takes the expiry count.
	count [8]byte
}

// start arms the timerfd to expire after d and calls fire at every expiry
// until stop; false where the kernel gives no timerfd.
func (k *kernelTimer) start(d time.Duration, fire func()) bool {
	fd, err := unix.TimerfdCreate(unix.CLOCK_MONOTONIC, unix.TFD_NONBLOCK|unix.TFD_CLOEXEC)
	if err != nil {
		return false
	}
	k.fd, k.file = fd, os.NewFile(uintptr(fd), "fdtimer")
	if k.rc, err = k.file.SyscallConn(); err != nil {
		k.file.Close()
		return false
	}
	k.reset(d)
	go func() {
		for k.rc.Read(k.expired) == nil {
			fire()
		}
	}()
	return true
}

// reset arms the timerfd to expire after d (x/sys makes it a raw system
// call: one the runtime is told of would wake sysmon).
func (k *kernelTimer) reset(d time.Duration) {
	spec := unix.ItimerSpec{Value: unix.NsecToTimespec(max(d.Nanoseconds(), 1))}
	_ = unix.TimerfdSettime(k.fd, 0, &spec, nil)
}

// stop closes the timerfd, which ends the goroutine that waits on it.
func (k *kernelTimer) stop() { _ = k.file.Close() }

// expired reads the expiry count, by a raw system call: whether the timer
// has expired since the last read.
func (k *kernelTimer) expired(fd uintptr) bool {
	for {
		_, _, errno := unix.RawSyscall(unix.SYS_READ, fd, uintptr(unsafe.Pointer(&k.count[0])), uintptr(len(k.count)))
		if errno != unix.EINTR {
			return errno != unix.EAGAIN
		}
	}
}
