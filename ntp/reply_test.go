package ntp

import (
	"encoding/binary"
	"errors"
	"testing"
	"time"

	"github.com/clockwatch/clockwatch/estimator"
)

var (
	testT1    = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	testNonce = uint64(0x0123456789abcdef)
)

// goodReply is a valid reply to a request with testNonce sent at testT1 by a
// client 5 ms ahead of the server, over a 2 ms symmetric path.
func goodReply() []byte {
	r := &Responder{Quality: func() Quality {
		return Quality{Leap: 1, Stratum: 2, RefID: 0xc0000201, RootDelay: 10 * time.Millisecond, RootDispersion: time.Millisecond}
	}}
	rx := testT1.Add(-5 * time.Millisecond).Add(time.Millisecond)
	reply, ok := r.Reply(NewRequest(testNonce), rx, rx.Add(100*time.Microsecond))
	if !ok {
		panic("responder refused a client request")
	}
	return reply
}

func testExchange(reply []byte) Exchange {
	return Exchange{Reply: reply, Nonce: testNonce, T1: testT1, T4: testT1.Add(2100 * time.Microsecond), Timestamping: StampKernel}
}

func TestSampleOfGoodReply(t *testing.T) {
	s, err := testExchange(goodReply()).Sample("srv")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := s.Offset, 5*time.Millisecond; (got - want).Abs() > time.Microsecond {
		t.Errorf("offset %v, want %v (local ahead is positive)", got, want)
	}
	if got, want := s.Delay, 2*time.Millisecond; (got - want).Abs() > time.Microsecond {
		t.Errorf("delay %v, want %v", got, want)
	}
	if s.Stratum != 2 || s.RootDelay < 10*time.Millisecond || s.RootDispersion < time.Millisecond {
		t.Errorf("header fields not carried: %+v", s)
	}
	if s.Leap != estimator.LeapInsert || s.ReferenceID != 0xc0000201 {
		t.Errorf("leap %v, reference ID %08x; want the reply's insert_second, C0000201", s.Leap, s.ReferenceID)
	}
	if s.Source != "srv" || s.Timestamping != StampKernel || !s.Time.Equal(testT1.Add(1050*time.Microsecond)) {
		t.Errorf("sample metadata wrong: %+v", s)
	}
}

// TestSamplePrecision: the sample's precision is the server's plus the
// exchange's own, which a simulation gives to stay deterministic and
// which is measured on this host otherwise.
func TestSamplePrecision(t *testing.T) {
	server := time.Second >> 20 // the responder's default, 2^-20 s
	tests := []struct {
		name      string
		precision time.Duration
		want      time.Duration
	}{
		{"given", 100 * time.Nanosecond, server + 100*time.Nanosecond},
		{"measured", 0, server + localPrecision()},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			x := testExchange(goodReply())
			x.Precision = tc.precision
			s, err := x.Sample("srv")
			if err != nil {
				t.Fatal(err)
			}
			if s.Precision != tc.want {
				t.Errorf("precision %v, want %v", s.Precision, tc.want)
			}
		})
	}
}

func TestSampleRejectsBadReplies(t *testing.T) {
	set := func(mut func(b []byte)) []byte {
		b := goodReply()
		mut(b)
		return b
	}
	kiss := func(code string) []byte {
		return set(func(b []byte) { b[1] = 0; copy(b[12:16], code) })
	}
	tests := []struct {
		name   string
		reply  []byte
		result estimator.Result
		kiss   string
	}{
		{"empty", nil, ResultMalformed, ""},
		{"short", goodReply()[:47], ResultMalformed, ""},
		{"client mode", set(func(b []byte) { b[0] = 4<<3 | modeClient }), ResultMalformed, ""},
		{"version 0", set(func(b []byte) { b[0] = modeServer }), ResultMalformed, ""},
		{"wrong origin", set(func(b []byte) { b[31] ^= 1 }), ResultBadOrigin, ""},
		{"kod rate", kiss("RATE"), ResultKoD, KissRate},
		{"kod deny", kiss("DENY"), ResultKoD, KissDeny},
		{"kod rstr", kiss("RSTR"), ResultKoD, KissRstr},
		{"kod spoofed", set(func(b []byte) { b[1] = 0; copy(b[12:16], "DENY"); b[30] ^= 1 }), ResultBadOrigin, ""},
		{"leap alarm", set(func(b []byte) { b[0] |= 3 << 6 }), ResultUnsynchronized, ""},
		{"stratum 16", set(func(b []byte) { b[1] = 16 }), ResultUnsynchronized, ""},
		{"huge dispersion", set(func(b []byte) { binary.BigEndian.PutUint32(b[8:12], 17<<16) }), ResultUnsynchronized, ""},
		{"zero transmit", set(func(b []byte) { clear(b[40:48]) }), ResultZeroTransmit, ""},
		{"zero receive", set(func(b []byte) { clear(b[32:40]) }), ResultMalformed, ""},
		{"negative delay", set(func(b []byte) { putTime(b[40:48], testT1.Add(time.Second)) }), ResultNegativeDelay, ""},
		// Sanity limits (chrony's maxdelay, maxdistance, precision, era).
		{"era-wrapped 136-year delay", set(eraWrapped), ResultNegativeDelay, ""},
		{"8000 s delay", set(func(b []byte) { putTime(b[40:48], testT1.Add(-8000*time.Second)) }), ResultMaxDelay, ""},
		{"3.1 s delay", set(func(b []byte) { putTime(b[40:48], testT1.Add(-3100*time.Millisecond)) }), ResultMaxDelay, ""},
		{"root delay 0xFFFFFFFF", set(func(b []byte) { binary.BigEndian.PutUint32(b[4:8], 0xFFFFFFFF) }), ResultMaxDistance, ""},
		{"root distance 3.1 s", set(func(b []byte) { binary.BigEndian.PutUint32(b[8:12], toShort(3100*time.Millisecond)) }), ResultMaxDistance, ""},
		{"precision 127", set(func(b []byte) { b[3] = 127 }), ResultBadPrecision, ""},
		{"precision 2^2 s", set(func(b []byte) { b[3] = 2 }), ResultBadPrecision, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := testExchange(tc.reply).Sample("srv")
			var rej *RejectError
			if !errors.As(err, &rej) {
				t.Fatalf("got %v, want a rejection %s", err, tc.result)
			}
			if rej.Result != tc.result || rej.Kiss != tc.kiss {
				t.Errorf("got result %s kiss %q, want %s %q (%v)", rej.Result, rej.Kiss, tc.result, tc.kiss, err)
			}
			if ResultOf(err) != tc.result {
				t.Errorf("ResultOf = %s", ResultOf(err))
			}
		})
	}
}

// eraWrapped makes the server's receive timestamp the last second of NTP
// era 0 and its transmit timestamp the first of era 1: read in one era,
// as they were, they made a 136-year delay and a 58-year offset.
func eraWrapped(b []byte) {
	binary.BigEndian.PutUint32(b[32:36], 0xFFFFFFF0)
	binary.BigEndian.PutUint32(b[40:44], 0x00000010)
}

// TestSampleWithinLimits accepts replies up to the limits, and the limits
// the client sets.
func TestSampleWithinLimits(t *testing.T) {
	set := func(mut func(b []byte)) []byte {
		b := goodReply()
		mut(b)
		return b
	}
	tests := []struct {
		name   string
		reply  []byte
		limits Limits
		result estimator.Result // empty: accepted
	}{
		{"a 2.9 s delay", set(func(b []byte) { putTime(b[40:48], testT1.Add(-2900*time.Millisecond)) }), Limits{}, ""},
		{"precision 2^1 s", set(func(b []byte) { b[3] = 1 }), Limits{}, ""},
		{"precision 2^-128 s", set(func(b []byte) { b[3] = 0x80 }), Limits{}, ""},
		{"root distance 2.9 s", set(func(b []byte) { binary.BigEndian.PutUint32(b[8:12], toShort(2890*time.Millisecond)) }), Limits{}, ""},
		{"an 8000 s delay under a 1000 s limit", set(func(b []byte) { putTime(b[40:48], testT1.Add(-800*time.Second)) }), Limits{MaxDelay: MaxLimit, MaxDistance: MaxLimit}, ""},
		{"a 2 ms delay over a 1 ms limit", goodReply(), Limits{MaxDelay: time.Millisecond}, ResultMaxDelay},
		{"root distance 7 ms over a 5 ms limit", goodReply(), Limits{MaxDistance: 5 * time.Millisecond}, ResultMaxDistance},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			x := testExchange(tc.reply)
			x.Limits = tc.limits
			_, err := x.Sample("srv")
			if got := ResultOf(err); (tc.result == "" && err != nil) || (tc.result != "" && got != tc.result) {
				t.Errorf("got %v (%s), want result %q", err, got, tc.result)
			}
		})
	}
}

// TestSampleAcrossTheEra measures a server 5 ms behind this host while
// NTP's seconds wrap in February 2036: the server receives in era 0 and
// transmits in era 1, this host sends and receives in era 1, and the
// sample must be the same as any other day's.
func TestSampleAcrossTheEra(t *testing.T) {
	wrap := time.Date(2036, 2, 7, 6, 28, 16, 0, time.UTC)
	if sec, _ := putTimeSeconds(wrap); sec != 0 {
		t.Fatalf("NTP seconds at %v are %d, want the wrap to 0", wrap, sec)
	}
	rx, tx := wrap.Add(-time.Millisecond), wrap.Add(time.Millisecond) // the server's clock
	reply, _ := (&Responder{Stratum: 2}).Reply(NewRequest(testNonce), rx, tx)
	const ahead, path = 5 * time.Millisecond, time.Millisecond
	x := Exchange{Reply: reply, Nonce: testNonce, T1: rx.Add(ahead - path), T4: tx.Add(ahead + path)}
	s, err := x.Sample("srv")
	if err != nil {
		t.Fatal(err)
	}
	if (s.Offset-ahead).Abs() > time.Microsecond || (s.Delay-2*path).Abs() > time.Microsecond {
		t.Errorf("offset %v delay %v across the era, want %v and %v", s.Offset, s.Delay, ahead, 2*path)
	}
}

// FuzzTimeNear checks that any instant within 68 years of the local clock
// (from 1968 to 2190, so that every instant is one NTP and Go can write)
// reads back from its NTP timestamp, whatever the era of either.
func FuzzTimeNear(f *testing.F) {
	f.Add(int64(0), int64(0))
	f.Add(int64(2085978496), int64(-1))            // 2036-02-07 06:28:16 UTC, the wrap
	f.Add(int64(-63158400), int64(-1<<31+1)*1e9+1) // 1968, 68 years back
	f.Fuzz(func(t *testing.T, refUnix, deltaNs int64) {
		const from, to = -63158400, 6943939200 // 1968-01-01 .. 2190-01-01
		ref := time.Unix(from+(refUnix%(to-from)+(to-from))%(to-from), 0).UTC()
		delta := time.Duration(deltaNs % (int64(1<<31-1) * 1e9))
		want := ref.Add(delta)
		sec, frac := putTimeSeconds(want)
		if got := timeNear(sec, frac, ref); got.Sub(want).Abs() > time.Nanosecond {
			t.Fatalf("timeNear(%d, %d, %v) = %v, want %v", sec, frac, ref, got, want)
		}
	})
}

// putTimeSeconds returns the NTP seconds and fraction putTime writes for t.
func putTimeSeconds(t time.Time) (uint32, uint32) {
	var b [8]byte
	putTime(b[:], t)
	return binary.BigEndian.Uint32(b[0:4]), binary.BigEndian.Uint32(b[4:8])
}

func TestSampleIgnoresTrailingBytes(t *testing.T) {
	reply := append(goodReply(), 1, 2, 3)
	if _, err := testExchange(reply).Sample("srv"); err != nil {
		t.Fatalf("trailing garbage after a valid header: %v", err)
	}
}

func FuzzExchangeSample(f *testing.F) {
	f.Add(goodReply())
	f.Add(goodReply()[:20])
	f.Add(append(goodReply(), make([]byte, 40)...))
	f.Fuzz(func(t *testing.T, reply []byte) {
		s, err := testExchange(reply).Sample("srv")
		if err != nil {
			var rej *RejectError
			if !errors.As(err, &rej) || rej.Result == "" {
				t.Fatalf("unclassified error %v", err)
			}
			return
		}
		if s.Delay < 0 || s.RootDelay < 0 || s.RootDispersion < 0 {
			t.Fatalf("accepted sample with negative parts: %+v", s)
		}
		if err := s.Validate(); err != nil {
			t.Fatalf("accepted an invalid sample: %v", err)
		}
	})
}

func TestShortTimeRoundsUp(t *testing.T) {
	if got := shortTime(1); got != 15259*time.Nanosecond {
		t.Errorf("shortTime(1) = %v, want 15.259µs (2^-16 s rounded up)", got)
	}
	if got := shortTime(toShort(1500 * time.Microsecond)); got < 1500*time.Microsecond {
		t.Errorf("round trip shrank 1.5ms to %v", got)
	}
}
