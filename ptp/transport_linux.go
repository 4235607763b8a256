//go:build linux

package ptp

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"syscall"
	"time"

	"github.com/facebook/time/ptp/protocol"
	"golang.org/x/sys/unix"
)

// PTP's UDP ports.
var (
	eventPort   = uint16(protocol.PortEvent)
	generalPort = uint16(protocol.PortGeneral)
)

// ptpGroup is the IPv4 multicast group of PTP's default profile.
var ptpGroup = netip.AddrFrom4([4]byte{224, 0, 1, 129})

// Timestamps asked of the kernel: software ones always, hardware ones
// when the NIC already takes them (the client never reconfigures a NIC).
const (
	rxStampFlags = unix.SOF_TIMESTAMPING_RX_SOFTWARE | unix.SOF_TIMESTAMPING_RX_HARDWARE |
		unix.SOF_TIMESTAMPING_SOFTWARE | unix.SOF_TIMESTAMPING_RAW_HARDWARE
	txStampFlags = rxStampFlags | unix.SOF_TIMESTAMPING_TX_SOFTWARE | unix.SOF_TIMESTAMPING_TX_HARDWARE |
		unix.SOF_TIMESTAMPING_OPT_TSONLY
)

// txStampWait bounds the wait for a transmit timestamp.
const txStampWait = 100 * time.Millisecond

// udpTransport is the client's sockets. In multicast mode it listens on
// the PTP group's ports with SO_REUSEADDR, beside any ptp4l, and sends its
// Delay_Req to the group from a port of its own. In unicast mode it owns
// ports 319 and 320 of the local address, as the grandmaster answers there.
type udpTransport struct {
	event, general, send *net.UDPConn
	eventDst, generalDst netip.AddrPort
	packets              chan packet
	done                 chan struct{}
}

// openSockets opens the client's sockets on iface.
func openSockets(iface *net.Interface, local, server netip.Addr, multicast bool) (transport, error) {
	if !server.Is4() {
		return nil, fmt.Errorf("ptp: %s: only PTP over IPv4 is supported", server)
	}
	t := &udpTransport{packets: make(chan packet, 16), done: make(chan struct{})}
	var err error
	if multicast {
		err = t.openMulticast(iface, local)
	} else {
		err = t.openUnicast(local, server)
	}
	if err != nil {
		t.close()
		return nil, err
	}
	go t.read(t.event)
	go t.read(t.general)
	return t, nil
}

// openMulticast joins the PTP group on iface.
func (t *udpTransport) openMulticast(iface *net.Interface, local netip.Addr) error {
	var err error
	if t.event, err = listen(netip.AddrPortFrom(ptpGroup, eventPort), true, iface, rxStampFlags); err != nil {
		return err
	}
	if t.general, err = listen(netip.AddrPortFrom(ptpGroup, generalPort), true, iface, 0); err != nil {
		return err
	}
	if t.send, err = listen(netip.AddrPortFrom(local, 0), false, nil, txStampFlags); err != nil {
		return err
	}
	t.eventDst, t.generalDst = netip.AddrPortFrom(ptpGroup, eventPort), netip.AddrPortFrom(ptpGroup, generalPort)
	return control(t.send, func(fd int) error {
		if err := unix.SetsockoptIPMreqn(fd, unix.IPPROTO_IP, unix.IP_MULTICAST_IF, &unix.IPMreqn{Ifindex: int32(iface.Index)}); err != nil {
			return err
		}
		if err := unix.SetsockoptInt(fd, unix.IPPROTO_IP, unix.IP_MULTICAST_LOOP, 0); err != nil {
			return err
		}
		return unix.SetsockoptInt(fd, unix.IPPROTO_IP, unix.IP_MULTICAST_TTL, 1)
	})
}

// openUnicast binds the PTP ports of local.
func (t *udpTransport) openUnicast(local, server netip.Addr) error {
	var err error
	if t.event, err = listen(netip.AddrPortFrom(local, eventPort), false, nil, txStampFlags); err != nil {
		return fmt.Errorf("%w (unicast PTP needs the ports to itself: is ptp4l running on this host? its ptp4l source measures the same grandmaster)", err)
	}
	if t.general, err = listen(netip.AddrPortFrom(local, generalPort), false, nil, 0); err != nil {
		return err
	}
	t.send = t.event
	t.eventDst, t.generalDst = netip.AddrPortFrom(server, eventPort), netip.AddrPortFrom(server, generalPort)
	return nil
}

// listen binds a UDP socket to addr: shared with SO_REUSEADDR, joined to
// the group on iface when addr is multicast, with the timestamps asked.
func listen(addr netip.AddrPort, shared bool, iface *net.Interface, stampFlags int) (*net.UDPConn, error) {
	lc := net.ListenConfig{Control: func(_, _ string, c syscall.RawConn) error {
		var serr error
		err := c.Control(func(fd uintptr) {
			if shared {
				serr = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_REUSEADDR, 1)
			}
		})
		return errors.Join(err, serr)
	}}
	pc, err := lc.ListenPacket(context.Background(), "udp4", addr.String())
	if err != nil {
		return nil, fmt.Errorf("ptp: listen on %s: %w", addr, err)
	}
	conn := pc.(*net.UDPConn)
	err = control(conn, func(fd int) error {
		if addr.Addr().IsMulticast() {
			mreq := &unix.IPMreqn{Ifindex: int32(iface.Index), Multiaddr: addr.Addr().As4()}
			if err := unix.SetsockoptIPMreqn(fd, unix.IPPROTO_IP, unix.IP_ADD_MEMBERSHIP, mreq); err != nil {
				return fmt.Errorf("join %s on %s: %w", addr.Addr(), iface.Name, err)
			}
		}
		if stampFlags != 0 {
			return unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_TIMESTAMPING_NEW, stampFlags)
		}
		return nil
	})
	if err != nil {
		conn.Close()
		return nil, fmt.Errorf("ptp: socket on %s: %w", addr, err)
	}
	return conn, nil
}

// control runs f on conn's file descriptor.
func control(conn *net.UDPConn, f func(fd int) error) error {
	rc, err := conn.SyscallConn()
	if err != nil {
		return err
	}
	var ferr error
	if err := rc.Control(func(fd uintptr) { ferr = f(int(fd)) }); err != nil {
		return err
	}
	return ferr
}

// read forwards conn's datagrams with their receive timestamps until conn
// is closed.
func (t *udpTransport) read(conn *net.UDPConn) {
	buf := make([]byte, 1500)
	oob := make([]byte, 512)
	for {
		n, oobn, _, from, err := conn.ReadMsgUDPAddrPort(buf, oob)
		if err != nil {
			return
		}
		rx := parseStamps(oob[:oobn])
		if rx.sw.IsZero() {
			rx.sw = time.Now()
		}
		select {
		case t.packets <- packet{data: append([]byte(nil), buf[:n]...), from: from.Addr().Unmap(), rx: rx}:
		case <-t.done:
			return
		}
	}
}

// receive returns the next datagram from either port.
func (t *udpTransport) receive(deadline time.Time) (packet, error) {
	timer := time.NewTimer(time.Until(deadline))
	defer timer.Stop()
	select {
	case p := <-t.packets:
		return p, nil
	case <-timer.C:
		return packet{}, os.ErrDeadlineExceeded
	}
}

// sendEvent sends b to the event port and returns its transmit timestamp.
func (t *udpTransport) sendEvent(b []byte) (stamp, error) {
	before := time.Now()
	if _, err := t.send.WriteToUDPAddrPort(b, t.eventDst); err != nil {
		return stamp{}, err
	}
	var tx stamp
	err := control(t.send, func(fd int) error {
		tx = readTXStamp(fd)
		return nil
	})
	if tx.sw.IsZero() {
		tx.sw = before
	}
	return tx, err
}

// sendGeneral sends b to the general port.
func (t *udpTransport) sendGeneral(b []byte) error {
	_, err := t.general.WriteToUDPAddrPort(b, t.generalDst)
	return err
}

// close closes every socket.
func (t *udpTransport) close() error {
	select {
	case <-t.done:
	default:
		close(t.done)
	}
	for _, c := range []*net.UDPConn{t.event, t.general, t.send} {
		if c != nil {
			c.Close()
		}
	}
	return nil
}

// readTXStamp collects the transmit timestamps of the last packet sent
// from the socket's error queue: the kernel's, and the NIC's when it
// stamps.
func readTXStamp(fd int) stamp {
	var tx stamp
	oob := make([]byte, 512)
	wait := int(txStampWait / time.Millisecond)
	for {
		fds := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLPRI}}
		if n, err := unix.Poll(fds, wait); n <= 0 || err != nil {
			return tx
		}
		_, oobn, _, _, err := unix.Recvmsg(fd, nil, oob, unix.MSG_ERRQUEUE)
		if err != nil {
			return tx
		}
		s := parseStamps(oob[:oobn])
		if !s.sw.IsZero() {
			tx.sw = s.sw
		}
		if !s.hw.IsZero() {
			tx.hw = s.hw
		}
		if !tx.hw.IsZero() {
			return tx
		}
		wait = 5 // a hardware stamp, if any, follows closely
	}
}

// parseStamps reads the SCM_TIMESTAMPING control message: three
// timespecs, the software stamp first and the raw hardware one last.
func parseStamps(oob []byte) stamp {
	msgs, err := unix.ParseSocketControlMessage(oob)
	if err != nil {
		return stamp{}
	}
	var s stamp
	for _, m := range msgs {
		if m.Header.Level != unix.SOL_SOCKET || (m.Header.Type != unix.SO_TIMESTAMPING_NEW && m.Header.Type != unix.SO_TIMESTAMPING) || len(m.Data) < 48 {
			continue
		}
		s.sw = timespec(m.Data[0:16])
		s.hw = timespec(m.Data[32:48])
	}
	return s
}

// timespec decodes a 64-bit kernel timespec; zero stays the zero time.
func timespec(b []byte) time.Time {
	sec := int64(binary.NativeEndian.Uint64(b))
	nsec := int64(binary.NativeEndian.Uint64(b[8:]))
	if sec == 0 && nsec == 0 {
		return time.Time{}
	}
	return time.Unix(sec, nsec)
}
