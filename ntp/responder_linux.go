//go:build linux

package ntp

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"time"
	"unsafe"

	"github.com/facebook/time/timestamp"
	"golang.org/x/sys/unix"
)

// readBatch is how many requests one recvmmsg takes when they queue up
// under load.
const readBatch = 32

// serveKernel is the Linux fast path: requests are read in batches
// (recvmmsg) with the kernel's receive timestamp each, through Go's
// network poller but without allocating, and the replies of a batch leave
// in one sendmmsg right after their transmit timestamp is read. Under light
// load a batch is one request, so each reply is stamped just before its own
// send; under load one system call serves many. served is false when the
// kernel does not timestamp; the caller then serves portably.
func (r *Responder) serveKernel(ctx context.Context, conn *net.UDPConn) (served bool, _ error) {
	raw, err := conn.SyscallConn()
	if err != nil {
		return false, nil
	}
	var enableErr error
	if err := raw.Control(func(fd uintptr) { enableErr = timestamp.EnableSWTimestampsRx(int(fd)) }); err != nil || enableErr != nil {
		return false, nil
	}
	r.stats.kernel.Store(true)
	loop, msgs := r.newServeLoop(), newMmsgs(readBatch)
	var recvErr error
	err = raw.Read(func(fd uintptr) bool {
		for ctx.Err() == nil {
			n, err := msgs.receive(int(fd))
			switch {
			case errors.Is(err, unix.EAGAIN):
				return false // drained: wait in the poller
			case errors.Is(err, unix.EINTR):
				continue
			case err != nil:
				recvErr = err
				return true
			}
			msgs.answerAll(int(fd), n, loop)
		}
		return true
	})
	if ctx.Err() != nil {
		return true, nil
	}
	if recvErr != nil {
		err = recvErr
	}
	return true, fmt.Errorf("ntp: responder: receive: %w", err)
}

// mmsghdr is the kernel's struct mmsghdr.
type mmsghdr struct {
	hdr unix.Msghdr
	len uint32
}

// mmsgs are the buffers of one recvmmsg and its sendmmsg: a datagram, its
// sender and its control messages (the timestamp) per slot, and the
// replies going out.
type mmsgs struct {
	hdrs  []mmsghdr
	iovs  []unix.Iovec
	bufs  [][]byte
	oobs  [][]byte
	names []unix.RawSockaddrAny

	out     []mmsghdr
	outIovs []unix.Iovec
	replies [][]byte
	auths   []replyAuth
}

func newMmsgs(n int) *mmsgs {
	m := &mmsgs{hdrs: make([]mmsghdr, n), iovs: make([]unix.Iovec, n), bufs: make([][]byte, n),
		oobs: make([][]byte, n), names: make([]unix.RawSockaddrAny, n),
		out: make([]mmsghdr, n), outIovs: make([]unix.Iovec, n), replies: make([][]byte, n), auths: make([]replyAuth, n)}
	for i := range n {
		m.replies[i] = make([]byte, requestSize, maxPacket)
		m.bufs[i] = make([]byte, maxPacket)
		m.oobs[i] = make([]byte, timestamp.ControlSizeBytes)
		m.iovs[i].Base = &m.bufs[i][0]
		m.iovs[i].SetLen(len(m.bufs[i]))
		h := &m.hdrs[i].hdr
		h.Name = (*byte)(unsafe.Pointer(&m.names[i]))
		h.Iov = &m.iovs[i]
		h.SetIovlen(1)
		h.Control = &m.oobs[i][0]
	}
	return m
}

// receive reads the datagrams waiting, EAGAIN when there are none, and
// returns how many slots it filled.
func (m *mmsgs) receive(fd int) (int, error) {
	for i := range m.hdrs {
		m.hdrs[i].hdr.Namelen = unix.SizeofSockaddrAny
		m.hdrs[i].hdr.SetControllen(len(m.oobs[i]))
	}
	n, _, errno := unix.Syscall6(unix.SYS_RECVMMSG, uintptr(fd), uintptr(unsafe.Pointer(&m.hdrs[0])),
		uintptr(len(m.hdrs)), unix.MSG_DONTWAIT, 0, 0)
	if errno != 0 {
		return 0, errno
	}
	return int(n), nil
}

// answerAll handles the n datagrams received and sends their replies in
// one sendmmsg; the transmit timestamp is read once, right before it.
func (m *mmsgs) answerAll(fd, n int, loop *serveLoop) {
	k := 0
	for i := range n {
		h := &m.hdrs[i]
		rx, ok := rxTimestamp(m.oobs[i][:h.hdr.Controllen])
		if !ok {
			rx = time.Now()
		}
		reply, auth, ok := loop.handle(m.bufs[i][:h.len], sockaddrIP(&m.names[i]), rx)
		if !ok {
			continue
		}
		m.replies[k] = append(m.replies[k][:0], reply...)
		m.auths[k] = auth
		out := &m.out[k].hdr
		out.Name, out.Namelen = h.hdr.Name, h.hdr.Namelen
		out.Iov = &m.outIovs[k]
		out.SetIovlen(1)
		k++
	}
	if k == 0 {
		return
	}
	tx := loop.transmitTime()
	sent := 0
	for j := range k {
		reply, ok := loop.finish(m.replies[j], m.auths[j], tx)
		if !ok {
			continue
		}
		m.replies[sent], m.replies[j] = reply, m.replies[sent]
		m.out[sent].hdr.Name, m.out[sent].hdr.Namelen = m.out[j].hdr.Name, m.out[j].hdr.Namelen
		m.outIovs[sent].Base = &m.replies[sent][0]
		m.outIovs[sent].SetLen(len(reply))
		sent++
	}
	m.send(fd, sent)
}

// send sends the first k replies, retrying a partial send; a reply the
// socket cannot take now is dropped, as UDP would.
func (m *mmsgs) send(fd, k int) {
	for sent := 0; sent < k; {
		n, _, errno := unix.Syscall6(unix.SYS_SENDMMSG, uintptr(fd), uintptr(unsafe.Pointer(&m.out[sent])),
			uintptr(k-sent), unix.MSG_DONTWAIT, 0, 0)
		if errno == unix.EINTR {
			continue
		}
		if errno != 0 || n == 0 {
			return
		}
		sent += int(n)
	}
}

// sockaddrIP reads the IP of a sender's address.
func sockaddrIP(sa *unix.RawSockaddrAny) netip.Addr {
	switch sa.Addr.Family {
	case unix.AF_INET:
		return netip.AddrFrom4((*unix.RawSockaddrInet4)(unsafe.Pointer(sa)).Addr)
	case unix.AF_INET6:
		return netip.AddrFrom16((*unix.RawSockaddrInet6)(unsafe.Pointer(sa)).Addr).Unmap()
	}
	return netip.Addr{}
}

// rxTimestamp reads the kernel's receive timestamp from a datagram's
// control messages.
func rxTimestamp(oob []byte) (time.Time, bool) {
	ts, err := timestamp.ReadRXTimestamp(oob, len(oob))
	return ts, err == nil
}
