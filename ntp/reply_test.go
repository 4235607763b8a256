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
	reply, ok := r.Reply(request(testNonce), rx, rx.Add(100*time.Microsecond))
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
		result string
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
