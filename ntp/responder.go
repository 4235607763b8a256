package ntp

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"net"
	"net/netip"
	"runtime"
	"sync/atomic"
	"time"

	"github.com/clockwatch/clockwatch/ntp/nts"
	"github.com/clockwatch/clockwatch/ntp/symkey"
	"github.com/facebook/time/ntp/protocol"
)

// DefaultResponderPort is the UDP port clockwatch agents answer peers on
// when --responder.listen-address names no port: NTP's 123 is usually
// taken by chronyd or ntpd on the same host.
const DefaultResponderPort = 9123

// qualityRefresh is how often the serve loop re-reads Responder.Quality.
const qualityRefresh = 100 * time.Millisecond

// Quality is what a responder advertises about the clock it serves (RFC
// 5905 header fields), so that clients can weigh it.
type Quality struct {
	// Leap is the leap indicator; 3 means unsynchronized.
	Leap uint8
	// Stratum is 1 for a primary reference; 0 is read as 1.
	Stratum uint8
	RefID   uint32
	// RootDelay/2 + RootDispersion bounds the served clock's error.
	RootDelay      time.Duration
	RootDispersion time.Duration
}

// Responder answers NTP client-mode requests with the time of its Clock.
// It answers nothing else, never with more bytes than it received, and,
// with a RateLimit, at most at that rate per source address, plus a random
// share of the requests over it (RateLimit.Leak) so that a flood spoofing
// an address cannot silence the responder for that address's real owner.
//
// On Linux, Serve on a *net.UDPConn reads requests in batches with the
// kernel's receive timestamp each; the transmit timestamp is read as late
// as user space can, right before each reply's own send.
type Responder struct {
	// Clock is the time served (default time.Now).
	Clock func() time.Time
	// Stratum, RefID, RootDelay and RootDispersion are advertised as they
	// are when Quality is nil; a zero Stratum means 1.
	Stratum        uint8
	RefID          uint32
	RootDelay      time.Duration
	RootDispersion time.Duration
	// Quality, when set, is what is advertised instead: the agent's own
	// estimate, read at most every 100 ms.
	Quality func() Quality
	// Precision is advertised as log2 seconds (default -20, about 1 µs).
	Precision int8
	// Limit is the token bucket per source address; nil answers everyone.
	Limit *RateLimit
	// UserTimestamps takes receive timestamps in user space even where
	// the kernel offers them: for comparing the two.
	UserTimestamps bool
	// NTS, when set, answers NTS requests (RFC 8915) whose cookies these
	// keys sealed: a KE server with the same keys grants them. Without
	// it, NTS requests get a plain reply, which their clients refuse.
	NTS *nts.ServerKeys
	// Keys, when set, answer requests signed with one of their symmetric
	// keys with a reply signed by the same key; a request signed with a
	// key not there gets a crypto-NAK.
	Keys *symkey.Keys
	// PathDelay, when set, returns extra delays to emulate a network path:
	// in is waited before the request is stamped, out after the reply is.
	PathDelay func() (in, out time.Duration)

	// random draws the rate limit's leak; nil is math/rand/v2. Tests
	// script it.
	random func() uint64
	stats  responderCounters
}

// ResponderStats counts the requests a responder has seen, by what it did
// with them.
type ResponderStats struct {
	Answered    uint64 // replied with the time
	Leaked      uint64 // over the rate limit, drawn by the leak: replied with the time
	KissOfDeath uint64 // over the rate limit: replied with KoD RATE
	Dropped     uint64 // over the rate limit, KoD already sent: ignored
	Invalid     uint64 // not a client-mode NTP request: ignored
	// Authenticated counts requests answered with NTS or a symmetric key
	// (they count in Answered or Leaked too).
	Authenticated uint64
	// BadAuthentication counts requests dropped because their NTS fields
	// or MAC are forged or garbled.
	BadAuthentication uint64
	// NAKs counts NTS NAKs and crypto-NAKs sent: the client's cookie or
	// key is not ours.
	NAKs uint64
	// BytesIn and BytesOut are the UDP payload bytes of every datagram
	// received and of every reply sent: BytesOut never exceeds BytesIn.
	BytesIn, BytesOut uint64
	// KernelTimestamps is true while receive timestamps come from the
	// kernel.
	KernelTimestamps bool
}

// responderCounters are the atomic counters behind ResponderStats.
type responderCounters struct {
	answered, leaked, kod, dropped, invalid atomic.Uint64
	authenticated, badAuth, naks            atomic.Uint64
	bytesIn, bytesOut                       atomic.Uint64
	kernel                                  atomic.Bool
}

// Stats returns the counters so far; safe to call while Serve runs.
func (r *Responder) Stats() ResponderStats {
	return ResponderStats{
		Answered:          r.stats.answered.Load(),
		Leaked:            r.stats.leaked.Load(),
		KissOfDeath:       r.stats.kod.Load(),
		Dropped:           r.stats.dropped.Load(),
		Invalid:           r.stats.invalid.Load(),
		Authenticated:     r.stats.authenticated.Load(),
		BadAuthentication: r.stats.badAuth.Load(),
		NAKs:              r.stats.naks.Load(),
		BytesIn:           r.stats.bytesIn.Load(),
		BytesOut:          r.stats.bytesOut.Load(),
		KernelTimestamps:  r.stats.kernel.Load(),
	}
}

// Serve answers requests on conn until ctx ends or conn fails. An invalid
// Limit is an error at once.
func (r *Responder) Serve(ctx context.Context, conn net.PacketConn) error {
	if r.Limit != nil {
		if err := r.Limit.Validate(); err != nil {
			return fmt.Errorf("ntp: responder: %w", err)
		}
	}
	stop := context.AfterFunc(ctx, func() { _ = conn.SetReadDeadline(time.Now()) })
	defer stop()
	if udp, ok := conn.(*net.UDPConn); ok && r.PathDelay == nil {
		if !r.UserTimestamps {
			if served, err := r.serveKernel(ctx, udp); served {
				return err
			}
		}
		return r.serveUDP(ctx, udp)
	}
	return r.servePackets(ctx, conn)
}

// serveUDP is the portable path: one goroutine, no allocation per
// request, user-space timestamps taken right after each read.
func (r *Responder) serveUDP(ctx context.Context, conn *net.UDPConn) error {
	loop := r.newServeLoop()
	buf := make([]byte, maxPacket)
	for {
		n, from, err := conn.ReadFromUDPAddrPort(buf)
		rxSys := time.Now()
		if err != nil {
			if done, err := readFailed(ctx, err); done {
				return err
			}
			continue
		}
		if reply, auth, ok := loop.handle(buf[:n], from.Addr(), rxSys); ok {
			if reply, ok = loop.finish(reply, auth, loop.transmitTime()); ok {
				_, _ = conn.WriteToUDPAddrPort(reply, from)
			}
		}
	}
}

// servePackets serves any PacketConn with user-space timestamps; with
// PathDelay, each exchange waits in its own goroutine.
func (r *Responder) servePackets(ctx context.Context, conn net.PacketConn) error {
	loop := r.newServeLoop()
	buf := make([]byte, maxPacket)
	for {
		n, from, err := conn.ReadFrom(buf)
		rxSys := time.Now()
		if err != nil {
			if done, err := readFailed(ctx, err); done {
				return err
			}
			continue
		}
		addr := addrOf(from)
		if r.PathDelay == nil {
			if reply, auth, ok := loop.handle(buf[:n], addr, rxSys); ok {
				if reply, ok = loop.finish(reply, auth, loop.transmitTime()); ok {
					_, _ = conn.WriteTo(reply, from)
				}
			}
			continue
		}
		req := append([]byte(nil), buf[:n]...)
		go r.answerLater(conn, from, req)
	}
}

// readFailed classifies a read error: done is true when serving must end,
// with err nil for a cancelled context.
func readFailed(ctx context.Context, err error) (done bool, _ error) {
	if ctx.Err() != nil {
		return true, nil
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return false, nil
	}
	return true, err
}

// addrOf returns the IP of a UDP peer address, or the zero Addr.
func addrOf(a net.Addr) netip.Addr {
	if u, ok := a.(*net.UDPAddr); ok {
		return u.AddrPort().Addr()
	}
	return netip.Addr{}
}

// answerLater emulates the path delay of one exchange. It bypasses the
// rate limit: path emulation is for simulations.
func (r *Responder) answerLater(conn net.PacketConn, from net.Addr, req []byte) {
	in, out := r.PathDelay()
	preciseSleep(in)
	rx := r.now()
	reply, ok := r.Reply(req, rx, r.now())
	if !ok {
		return
	}
	preciseSleep(out)
	_, _ = conn.WriteTo(reply, from)
}

func (r *Responder) now() time.Time {
	if r.Clock != nil {
		return r.Clock()
	}
	return time.Now()
}

// quality returns what to advertise now.
func (r *Responder) quality() Quality {
	if r.Quality != nil {
		return r.Quality()
	}
	return Quality{Stratum: r.Stratum, RefID: r.RefID, RootDelay: r.RootDelay, RootDispersion: r.RootDispersion}
}

// Reply builds the answer to req received at rx and sent at tx, without
// rate limiting. ok is false when req must not be answered: not a
// client-mode NTP request.
func (r *Responder) Reply(req []byte, rx, tx time.Time) ([]byte, bool) {
	parsed, err := parseRequest(req)
	if err != nil {
		return nil, false
	}
	reply := make([]byte, requestSize)
	r.fillReply(reply, parsed, r.quality(), rx)
	putTime(reply[40:48], tx)
	return reply, true
}

// fillReply writes every field of a server reply except the transmit
// timestamp, which the caller stamps last.
func (r *Responder) fillReply(reply []byte, req clientRequest, q Quality, rx time.Time) {
	stratum := q.Stratum
	if stratum == 0 {
		stratum = 1
	}
	prec := r.Precision
	if prec == 0 {
		prec = -20
	}
	reply[0] = (q.Leap&3)<<6 | req.version<<3 | modeServer
	reply[1] = stratum
	reply[2] = req.poll
	reply[3] = byte(prec)
	binary.BigEndian.PutUint32(reply[4:8], toShort(q.RootDelay))
	binary.BigEndian.PutUint32(reply[8:12], toShort(q.RootDispersion))
	binary.BigEndian.PutUint32(reply[12:16], q.RefID)
	putTime(reply[16:24], rx)
	copy(reply[24:32], req.transmit[:])
	putTime(reply[32:40], rx)
}

// fillKissOfDeath turns reply into a kiss-o'-death RATE (RFC 5905 section
// 7.4): stratum 0, the code in the reference ID, leap indicator 3.
func fillKissOfDeath(reply []byte) {
	reply[0] = 3<<6 | reply[0]&0x3f
	reply[1] = 0
	copy(reply[12:16], KissRate)
}

// toShort converts to NTP's 16.16 fixed-point seconds, rounding up and
// saturating.
func toShort(d time.Duration) uint32 {
	v := math.Ceil(d.Seconds() * 65536)
	if v >= math.MaxUint32 {
		return math.MaxUint32
	}
	return uint32(max(v, 0))
}

// putTime writes t as a 64-bit NTP timestamp.
func putTime(b []byte, t time.Time) {
	sec, frac := protocol.Time(t)
	binary.BigEndian.PutUint32(b[0:4], sec)
	binary.BigEndian.PutUint32(b[4:8], frac)
}

// preciseSleep waits d, spinning through the last millisecond: a timer
// sleep overshoots by up to a millisecond, far more than the sub-millisecond
// path delays it emulates.
func preciseSleep(d time.Duration) {
	deadline := time.Now().Add(d)
	if d > 2*time.Millisecond {
		time.Sleep(d - time.Millisecond)
	}
	for time.Now().Before(deadline) {
		runtime.Gosched()
	}
}
