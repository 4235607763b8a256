package ntp

import (
	"net/netip"
	"time"
)

// serveLoop is the state of one serving goroutine: the rate limiter, the
// advertised quality (re-read every qualityRefresh) and the reply buffer.
type serveLoop struct {
	r         *Responder
	limiter   *sourceLimiter
	quality   Quality
	qualityAt time.Time
	reply     [requestSize]byte
}

func (r *Responder) newServeLoop() *serveLoop {
	l := &serveLoop{r: r}
	if r.Limit != nil {
		l.limiter = newSourceLimiter(*r.Limit)
	}
	if l.limiter != nil && r.random != nil {
		l.limiter.random = r.random
	}
	return l
}

// handle decides what to do with req, received from addr at rxSys on the
// system clock, and fills the reply: the time, or a kiss-o'-death RATE for
// a source over its budget. ok is false when nothing must be sent. The
// transmit timestamp is left for stampTransmit.
func (l *serveLoop) handle(req []byte, from netip.Addr, rxSys time.Time) (reply []byte, ok bool) {
	l.r.stats.bytesIn.Add(uint64(len(req)))
	parsed, err := parseRequest(req)
	if err != nil {
		l.r.stats.invalid.Add(1)
		return nil, false
	}
	v := l.limiter.admit(from, rxSys)
	if v == verdictDrop {
		l.r.stats.dropped.Add(1)
		return nil, false
	}
	if rxSys.Sub(l.qualityAt) >= qualityRefresh || rxSys.Before(l.qualityAt) {
		l.quality, l.qualityAt = l.r.quality(), rxSys
	}
	reply = l.reply[:]
	l.r.fillReply(reply, parsed, l.quality, l.served(rxSys))
	switch v {
	case verdictKoD:
		fillKissOfDeath(reply)
		l.r.stats.kod.Add(1)
	case verdictLeak:
		l.r.stats.leaked.Add(1)
	default:
		l.r.stats.answered.Add(1)
	}
	l.r.stats.bytesOut.Add(uint64(len(reply)))
	return reply, true
}

// stampTransmit writes the transmit timestamp: the last thing before the
// send, so it is as close to the packet leaving as user space can be.
func (l *serveLoop) stampTransmit(reply []byte) {
	putTime(reply[40:48], l.transmitTime())
}

// transmitTime is the responder's clock now, for transmit timestamps.
func (l *serveLoop) transmitTime() time.Time { return l.r.now() }

// served converts a system-clock reading (a kernel timestamp) to the
// responder's Clock, which may run apart from the system clock (a test
// shift, a simulated clock).
func (l *serveLoop) served(sys time.Time) time.Time {
	if l.r.Clock == nil {
		return sys
	}
	now := time.Now()
	return sys.Add(l.r.Clock().Sub(now))
}
