package ntp

import (
	"net/netip"
	"slices"
	"testing"
	"time"
)

func TestSourceLimiter(t *testing.T) {
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	a, b := netip.MustParseAddr("198.18.0.1"), netip.MustParseAddr("198.18.0.2")
	type request struct {
		from netip.Addr
		at   time.Duration
	}
	const (
		answer = verdictAnswer
		kod    = verdictKoD
		drop   = verdictDrop
	)
	tests := []struct {
		name     string
		limit    RateLimit
		requests []request
		want     []verdict
	}{
		{
			name:     "burst, then one KoD, then silence",
			limit:    RateLimit{Rate: 1, Burst: 2},
			requests: []request{{a, 0}, {a, 0}, {a, 0}, {a, 0}, {a, 10 * time.Millisecond}},
			want:     []verdict{answer, answer, kod, drop, drop},
		},
		{
			name:     "tokens refill at the rate",
			limit:    RateLimit{Rate: 1, Burst: 1},
			requests: []request{{a, 0}, {a, 500 * time.Millisecond}, {a, 1000 * time.Millisecond}, {a, 2000 * time.Millisecond}},
			want:     []verdict{answer, kod, answer, answer},
		},
		{
			name:     "one KoD per interval while flooding",
			limit:    RateLimit{Rate: 0.001, Burst: 1},
			requests: []request{{a, 0}, {a, 1}, {a, 2}, {a, kodInterval + 1}, {a, kodInterval + 2}},
			want:     []verdict{answer, kod, drop, kod, drop},
		},
		{
			name:     "each source has its own bucket",
			limit:    RateLimit{Rate: 1, Burst: 1},
			requests: []request{{a, 0}, {a, 0}, {b, 0}},
			want:     []verdict{answer, kod, answer},
		},
		{
			name:     "IPv4-mapped IPv6 is the same source",
			limit:    RateLimit{Rate: 1, Burst: 1},
			requests: []request{{a, 0}, {netip.AddrFrom16(a.As16()), 0}},
			want:     []verdict{answer, kod},
		},
		{
			name:  "full table: newcomers share one bucket until a sweep frees idle ones",
			limit: RateLimit{Rate: 1, Burst: 1, MaxSources: 1},
			requests: []request{
				{a, 0},               // a takes the only slot
				{b, 0},               // b shares the overflow bucket (burst 16)
				{a, 0},               // a is over its own budget
				{b, 2 * time.Second}, // a is idle again: swept, b gets the slot
				{b, 2 * time.Second},
			},
			want: []verdict{answer, answer, kod, answer, kod},
		},
		{
			name:     "negative rate disables limiting",
			limit:    RateLimit{Rate: -1},
			requests: slices.Repeat([]request{{a, 0}}, 100),
			want:     slices.Repeat([]verdict{answer}, 100),
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			l := newSourceLimiter(tc.limit)
			var got []verdict
			for _, r := range tc.requests {
				got = append(got, l.admit(r.from, t0.Add(r.at)))
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("verdicts %v, want %v (0 answer, 1 KoD, 2 drop)", got, tc.want)
			}
		})
	}
}

// TestSourceLimiterBoundsMemory floods from a million spoofed addresses:
// the table never grows past its bound.
func TestSourceLimiterBoundsMemory(t *testing.T) {
	l := newSourceLimiter(RateLimit{Rate: 1, Burst: 1, MaxSources: 1000})
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	for i := range 1 << 20 {
		var b [4]byte
		b[0], b[1], b[2], b[3] = 198, 18|byte(i>>16)&1, byte(i>>8), byte(i)
		l.admit(netip.AddrFrom4(b), t0.Add(time.Duration(i)*time.Microsecond))
	}
	if n := len(l.buckets); n > 1000 {
		t.Errorf("%d buckets tracked, bound is 1000", n)
	}
}

// BenchmarkServeLoop is the per-request work of the responder between the
// receive and the send: parse, rate limit (1000 known sources), reply.
func BenchmarkServeLoop(b *testing.B) {
	r := &Responder{Limit: &RateLimit{Rate: 1e9, Burst: 1 << 30}}
	loop := r.newServeLoop()
	req, now := clientPacket(4, modeClient, 48), time.Now()
	sources := fleet(1000)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		reply, _ := loop.handle(req, sources[i%len(sources)].Addr(), now)
		loop.stampTransmit(reply)
	}
}
