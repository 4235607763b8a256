package ntp

import (
	"net/netip"
	"time"

	"github.com/clockwatch/clockwatch/internal/localclock"
)

// serveLoop is the state of one serving goroutine: the rate limiter, the
// advertised quality (re-read every qualityRefresh) and the reply buffer.
type serveLoop struct {
	r         *Responder
	limiter   *sourceLimiter
	quality   Quality
	qualityAt time.Time
	reply     []byte
}

func (r *Responder) newServeLoop() *serveLoop {
	l := &serveLoop{r: r, reply: make([]byte, requestSize, maxPacket)}
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
// transmit timestamp and the authentication are left for finish.
func (l *serveLoop) handle(req []byte, from netip.Addr, rxSys time.Time) (reply []byte, auth replyAuth, ok bool) {
	l.r.stats.bytesIn.Add(uint64(len(req)))
	parsed, err := parseRequest(req)
	if err != nil {
		l.r.stats.invalid.Add(1)
		return nil, auth, false
	}
	v := l.limiter.admit(from, rxSys)
	if v == verdictDrop {
		l.r.stats.dropped.Add(1)
		return nil, auth, false
	}
	if auth = l.r.authenticate(req); !l.admitAuth(auth, v) {
		return nil, auth, false
	}
	if rxSys.Sub(l.qualityAt) >= qualityRefresh || rxSys.Before(l.qualityAt) {
		l.quality, l.qualityAt = l.r.quality(), rxSys
	}
	reply = l.reply[:requestSize]
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
	return reply, auth, true
}

// admitAuth counts what authentication decided and reports whether to
// answer: forgeries are dropped, and so are authenticated requests over
// the rate limit, as their clients ignore an unauthenticated kiss-o'-death.
func (l *serveLoop) admitAuth(auth replyAuth, v verdict) bool {
	st := &l.r.stats
	switch {
	case auth.kind == answerDrop:
		st.badAuth.Add(1)
		return false
	case auth.kind == answerNTSNAK || auth.kind == answerCryptoNAK:
		st.naks.Add(1)
	case auth.authenticated() && v == verdictKoD:
		st.dropped.Add(1)
		return false
	case auth.authenticated():
		st.authenticated.Add(1)
	}
	return true
}

// finish stamps the transmit timestamp, the last thing before the send so
// that it is as close to the packet leaving as user space can be, then
// authenticates the reply (the MAC covers the timestamp). ok is false when
// the reply cannot be sent.
func (l *serveLoop) finish(reply []byte, auth replyAuth, tx time.Time) (_ []byte, ok bool) {
	putTime(reply[40:48], tx)
	if reply, ok = auth.seal(reply); ok {
		l.r.stats.bytesOut.Add(uint64(len(reply)))
	}
	return reply, ok
}

// transmitTime is the responder's clock now, for transmit timestamps.
func (l *serveLoop) transmitTime() time.Time { return l.r.now() }

// served converts a system-clock reading (a kernel timestamp) to the
// responder's Clock, which may run apart from the system clock (a test
// shift, a simulated clock).
func (l *serveLoop) served(sys time.Time) time.Time {
	return sys.Add(localclock.AheadOfSystem(l.r.Clock))
}
