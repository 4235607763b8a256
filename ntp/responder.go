package ntp

import (
	"context"
	"encoding/binary"
	"errors"
	"math"
	"net"
	"runtime"
	"time"

	"github.com/facebook/time/ntp/protocol"
)

// Responder answers NTP client-mode requests with the time of its Clock.
// It answers nothing else, and never with more bytes than it received.
type Responder struct {
	// Clock is the time served (default time.Now).
	Clock func() time.Time
	// Stratum, RefID, RootDelay and RootDispersion are advertised as they
	// are; a zero Stratum means 1.
	Stratum        uint8
	RefID          uint32
	RootDelay      time.Duration
	RootDispersion time.Duration
	// Precision is advertised as log2 seconds (default -20, about 1 µs).
	Precision int8
	// PathDelay, when set, returns extra delays to emulate a network path:
	// in is waited before the request is stamped, out after the reply is.
	PathDelay func() (in, out time.Duration)
}

// Serve answers requests on conn until ctx ends or conn fails.
func (r *Responder) Serve(ctx context.Context, conn net.PacketConn) error {
	stop := context.AfterFunc(ctx, func() { _ = conn.SetReadDeadline(time.Now()) })
	defer stop()
	buf := make([]byte, 1500)
	for {
		n, from, err := conn.ReadFrom(buf)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			return err
		}
		req := append([]byte(nil), buf[:n]...)
		if r.PathDelay == nil {
			r.answer(conn, from, req, r.now())
			continue
		}
		go r.answerLater(conn, from, req)
	}
}

// answerLater emulates the path delay of one exchange.
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

func (r *Responder) answer(conn net.PacketConn, from net.Addr, req []byte, rx time.Time) {
	if reply, ok := r.Reply(req, rx, r.now()); ok {
		_, _ = conn.WriteTo(reply, from)
	}
}

func (r *Responder) now() time.Time {
	if r.Clock != nil {
		return r.Clock()
	}
	return time.Now()
}

// Reply builds the answer to req received at rx and sent at tx. ok is false
// when req must not be answered: not a client-mode NTP request.
func (r *Responder) Reply(req []byte, rx, tx time.Time) ([]byte, bool) {
	if len(req) < protocol.PacketSizeBytes {
		return nil, false
	}
	version, mode := (req[0]>>3)&7, req[0]&7
	if mode != modeClient || version < 1 || version > 4 {
		return nil, false
	}
	stratum := r.Stratum
	if stratum == 0 {
		stratum = 1
	}
	prec := r.Precision
	if prec == 0 {
		prec = -20
	}
	reply := make([]byte, protocol.PacketSizeBytes)
	reply[0] = version<<3 | modeServer
	reply[1] = stratum
	reply[2] = req[2]
	reply[3] = byte(prec)
	binary.BigEndian.PutUint32(reply[4:8], toShort(r.RootDelay))
	binary.BigEndian.PutUint32(reply[8:12], toShort(r.RootDispersion))
	binary.BigEndian.PutUint32(reply[12:16], r.RefID)
	putTime(reply[16:24], rx)
	copy(reply[24:32], req[40:48])
	putTime(reply[32:40], rx)
	putTime(reply[40:48], tx)
	return reply, true
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
