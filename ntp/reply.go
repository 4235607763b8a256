package ntp

import (
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"github.com/clockwatch/clockwatch/estimator"
	"github.com/facebook/time/ntp/protocol"
)

// Results of a query that produced no sample. They label the metric
// clockwatch_source_samples_total{result}.
const (
	ResultTimeout        estimator.Result = "timeout"        // no reply before the deadline
	ResultNetworkError   estimator.Result = "network_error"  // the request could not be sent
	ResultMalformed      estimator.Result = "malformed"      // short or garbage packet, wrong mode or version
	ResultBadOrigin      estimator.Result = "bad_origin"     // origin timestamp is not ours: spoofed or stale
	ResultKoD            estimator.Result = "kod"            // kiss-o'-death
	ResultUnsynchronized estimator.Result = "unsynchronized" // leap indicator 3, stratum ≥ 16, huge dispersion
	ResultZeroTransmit   estimator.Result = "zero_transmit"  // server sent no transmit timestamp
	ResultNegativeDelay  estimator.Result = "negative_delay" // impossible round trip
)

// Kiss codes that change how a source polls (RFC 5905 section 7.4).
const (
	KissRate = "RATE" // slow down
	KissDeny = "DENY" // access denied: stop
	KissRstr = "RSTR" // access restricted: stop
)

const (
	modeClient = 3
	modeServer = 4
	// maxDispersion is RFC 5905's MAXDISP: a server this far from its
	// reference is not synchronized.
	maxDispersion = 16 * time.Second
)

// RejectError is a reply that must not be used; Result classifies it.
type RejectError struct {
	Result estimator.Result
	// Kiss is the kiss code of a kiss-o'-death, e.g. "RATE".
	Kiss string
	Err  error
}

func (e *RejectError) Error() string { return e.Err.Error() }

func (e *RejectError) Unwrap() error { return e.Err }

func reject(result estimator.Result, format string, args ...any) *RejectError {
	return &RejectError{Result: result, Err: fmt.Errorf(format, args...)}
}

// Exchange is one request/response as seen by the client.
type Exchange struct {
	// Reply is the packet received.
	Reply []byte
	// Nonce is the transmit timestamp field we sent; a genuine reply echoes
	// it as its origin timestamp.
	Nonce uint64
	// T1 and T4 are our clock at transmit and receive.
	T1, T4 time.Time
	// Timestamping says where T1 and T4 were taken.
	Timestamping string
	// Limits are the sanity limits the reply must meet (the client's);
	// zero fields take the defaults.
	Limits Limits
	// Precision is the resolution of T1 and T4; zero is this host's
	// clock's, measured once. A simulation sets it to stay deterministic.
	Precision time.Duration
}

// localPrecision is the resolution of T1 and T4.
func (x Exchange) localPrecision() time.Duration {
	if x.Precision > 0 {
		return x.Precision
	}
	return localPrecision()
}

// Sample validates the reply and turns it into a sample of source. A reply
// that must not be used gives a *RejectError.
func (x Exchange) Sample(source string) (estimator.Sample, error) {
	var p protocol.Packet
	if len(x.Reply) < protocol.PacketSizeBytes {
		return estimator.Sample{}, reject(ResultMalformed, "reply of %d bytes is shorter than an NTP header (48)", len(x.Reply))
	}
	if err := p.UnmarshalBinary(x.Reply); err != nil {
		// Trailing octets we do not understand do not spoil the header.
		if err := p.UnmarshalBinary(x.Reply[:protocol.PacketSizeBytes]); err != nil {
			return estimator.Sample{}, reject(ResultMalformed, "unreadable reply: %v", err)
		}
	}
	if err := checkHeader(&p, x.Nonce); err != nil {
		return estimator.Sample{}, err
	}
	return x.sampleOf(&p, source)
}

// checkHeader applies the checks that need no arithmetic, in the order that
// keeps spoofed packets from having any effect: a reply must be ours before
// its kiss code is believed.
func checkHeader(p *protocol.Packet, nonce uint64) error {
	leap, version, mode := p.Settings>>6, (p.Settings>>3)&7, p.Settings&7
	switch {
	case mode != modeServer:
		return reject(ResultMalformed, "reply has mode %d, want %d (server)", mode, modeServer)
	case version < 1 || version > 4:
		return reject(ResultMalformed, "reply has NTP version %d", version)
	case uint64(p.OrigTimeSec)<<32|uint64(p.OrigTimeFrac) != nonce:
		return reject(ResultBadOrigin, "origin timestamp does not match the request (spoofed or stale reply)")
	case p.Stratum == 0:
		code := kissCode(p.ReferenceID)
		return &RejectError{Result: ResultKoD, Kiss: code, Err: fmt.Errorf("kiss-o'-death %q", code)}
	case leap == 3:
		return reject(ResultUnsynchronized, "server is unsynchronized (leap indicator 3)")
	case p.Stratum >= 16:
		return reject(ResultUnsynchronized, "server is unsynchronized (stratum %d)", p.Stratum)
	case p.TxTimeSec == 0 && p.TxTimeFrac == 0:
		return reject(ResultZeroTransmit, "reply has a zero transmit timestamp")
	case p.RxTimeSec == 0 && p.RxTimeFrac == 0:
		return reject(ResultMalformed, "reply has a zero receive timestamp")
	case shortTime(p.RootDispersion) > maxDispersion:
		return reject(ResultUnsynchronized, "server root dispersion %v exceeds %v", shortTime(p.RootDispersion), maxDispersion)
	}
	return nil
}

// sampleOf computes offset and delay from the four timestamps (RFC 5905
// section 8), in the project's sign: local − reference, and applies the
// sanity limits. The server's timestamps are read in the NTP era nearest
// this host's clock.
func (x Exchange) sampleOf(p *protocol.Packet, source string) (estimator.Sample, error) {
	t2 := timeNear(p.RxTimeSec, p.RxTimeFrac, x.T1)
	t3 := timeNear(p.TxTimeSec, p.TxTimeFrac, x.T1)
	delay := x.T4.Sub(x.T1) - t3.Sub(t2)
	if delay < 0 {
		return estimator.Sample{}, reject(ResultNegativeDelay, "negative round-trip delay %v", delay)
	}
	if err := x.Limits.check(delay, shortTime(p.RootDelay), shortTime(p.RootDispersion), int8(p.Precision), x.localPrecision()); err != nil {
		return estimator.Sample{}, err
	}
	offset := (x.T1.Sub(t2) + x.T4.Sub(t3)) / 2
	return estimator.Sample{
		Source:         source,
		Time:           x.T1.Add(x.T4.Sub(x.T1) / 2),
		Offset:         offset,
		Delay:          delay,
		RootDelay:      shortTime(p.RootDelay),
		RootDispersion: shortTime(p.RootDispersion),
		Precision:      precision(p.Precision) + x.localPrecision(),
		Stratum:        p.Stratum,
		Timestamping:   x.Timestamping,
		Leap:           estimator.Leap(p.Settings >> 6),
		ReferenceID:    p.ReferenceID,
	}, nil
}

// shortTime converts NTP's 16.16 fixed-point seconds, rounding up so a bound
// built from it never shrinks.
func shortTime(v uint32) time.Duration {
	return time.Duration((uint64(v)*uint64(time.Second) + 1<<16 - 1) >> 16)
}

// timeNear reads an NTP timestamp as the time nearest ref that it can
// stand for. NTP's 32-bit seconds wrap every 2^32 s (136 years; the next
// era starts in February 2036), so a timestamp names one instant per era:
// the one within 68 years of this host's clock is meant (RFC 5905 section
// 6 computes differences modulo 2^64 for the same reason).
func timeNear(sec, frac uint32, ref time.Time) time.Time {
	refSec, refFrac := protocol.Time(ref)
	d := int64(uint64(sec)<<32 | uint64(frac) - (uint64(refSec)<<32 | uint64(refFrac)))
	// d is in units of 2^-32 s, at most 2^31 s either way.
	whole, part := d>>32, d&(1<<32-1)
	return ref.Add(time.Duration(whole)*time.Second + time.Duration(part*int64(time.Second)>>32))
}

// precision converts NTP's log2-seconds precision.
func precision(log2 int8) time.Duration {
	if log2 >= 0 {
		return time.Second << min(log2, 5)
	}
	if log2 < -30 {
		return 1
	}
	return max(time.Second>>-log2, 1)
}

// kissCode reads the four ASCII letters of a kiss code.
func kissCode(refID uint32) string {
	var b [4]byte
	binary.BigEndian.PutUint32(b[:], refID)
	for i, c := range b {
		if c < 0x20 || c > 0x7e {
			b[i] = '?'
		}
	}
	return string(b[:])
}

// IsKoD reports whether err is a kiss-o'-death and returns its code.
func IsKoD(err error) (string, bool) {
	var r *RejectError
	if errors.As(err, &r) && r.Result == ResultKoD {
		return r.Kiss, true
	}
	return "", false
}

// ResultOf classifies any error of a query for the samples metric.
func ResultOf(err error) estimator.Result {
	var r *RejectError
	if errors.As(err, &r) {
		return r.Result
	}
	if err == nil {
		return estimator.ResultOK
	}
	return ResultNetworkError
}
