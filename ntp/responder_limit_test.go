package ntp

import (
	"math"
	"math/rand/v2"
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
		leak   = verdictLeak
	)
	tests := []struct {
		name     string
		limit    RateLimit
		requests []request
		// draws are the leak's random numbers, in order; past them no
		// request leaks.
		draws []uint64
		want  []verdict
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
			name:     "over the limit, a draw of zero in the leak's bits answers anyway",
			limit:    RateLimit{Rate: 0.001, Burst: 1, Leak: 2},
			requests: slices.Repeat([]request{{a, 0}}, 5),
			draws:    []uint64{0b01, 0b00, 0b10, 0b100},
			want:     []verdict{answer, kod, leak, drop, leak},
		},
		{
			name:     "a larger leak needs more zero bits",
			limit:    RateLimit{Rate: 0.001, Burst: 1, Leak: 3},
			requests: slices.Repeat([]request{{a, 0}}, 3),
			draws:    []uint64{0b100, 0b1000},
			want:     []verdict{answer, kod, leak},
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
			if l != nil {
				l.random = scriptedDraws(tc.draws)
			}
			var got []verdict
			for _, r := range tc.requests {
				got = append(got, l.admit(r.from, t0.Add(r.at)))
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("verdicts %v, want %v (0 answer, 1 KoD, 2 drop, 3 leak)", got, tc.want)
			}
		})
	}
}

// scriptedDraws returns the draws in order, then numbers that never leak.
func scriptedDraws(draws []uint64) func() uint64 {
	return func() uint64 {
		if len(draws) == 0 {
			return math.MaxUint64
		}
		d := draws[0]
		draws = draws[1:]
		return d
	}
}

// TestSourceLimiterLeakShare floods one address at 100k requests a second
// for 10 s while its real owner asks once a second: about one request in
// 2^leak past the budget is answered, the owner's among them, and the
// flood's replies stay a fraction of its requests.
func TestSourceLimiterLeakShare(t *testing.T) {
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	owner := netip.MustParseAddr("198.18.0.1")
	for _, leak := range []int{1, 2, 4} {
		l := newSourceLimiter(RateLimit{Rate: DefaultRateLimit, Burst: DefaultRateBurst, Leak: leak})
		l.random = rand.New(rand.NewPCG(1, uint64(leak))).Uint64
		const floodPerSecond, seconds = 100000, 10
		leaked, ownerAnswered, ownerAsked := 0, 0, 0
		for i := range floodPerSecond * seconds {
			now := t0.Add(time.Duration(i) * time.Second / floodPerSecond)
			if l.admit(owner, now) == verdictLeak {
				leaked++
			}
			if i%(floodPerSecond/10) == 0 { // the owner's own polls, between the flood's
				ownerAsked++
				if v := l.admit(owner, now); v == verdictLeak || v == verdictAnswer {
					ownerAnswered++
				}
			}
		}
		share, want := float64(leaked)/(floodPerSecond*seconds), 1/float64(int(1)<<leak)
		if share < want*0.9 || share > want*1.1 {
			t.Errorf("leak %d: %.4f of the flood leaked, want %.4f ±10%%", leak, share, want)
		}
		if ownerAnswered == 0 || float64(ownerAnswered)/float64(ownerAsked) < want/3 {
			t.Errorf("leak %d: the owner got %d replies to %d polls, want about %.0f%%", leak, ownerAnswered, ownerAsked, 100*want)
		}
	}
}

// TestRateLimitValidate refuses what would silently turn limiting off or
// make no sense.
func TestRateLimitValidate(t *testing.T) {
	tests := []struct {
		name  string
		limit RateLimit
		ok    bool
	}{
		{"defaults", RateLimit{}, true},
		{"disabled by a negative rate", RateLimit{Rate: -1}, true},
		{"chrony's largest leak", RateLimit{Rate: 2, Burst: 16, Leak: MaxRateLeak}, true},
		{"NaN rate", RateLimit{Rate: math.NaN()}, false},
		{"infinite rate", RateLimit{Rate: math.Inf(1)}, false},
		{"minus infinite rate", RateLimit{Rate: math.Inf(-1)}, false},
		{"negative burst", RateLimit{Rate: 2, Burst: -1}, false},
		{"negative table", RateLimit{Rate: 2, MaxSources: -1}, false},
		{"negative leak", RateLimit{Rate: 2, Leak: -1}, false},
		{"leak past chrony's range", RateLimit{Rate: 2, Leak: MaxRateLeak + 1}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.limit.Validate(); (err == nil) != tc.ok {
				t.Errorf("Validate(%+v) = %v, want ok %v", tc.limit, err, tc.ok)
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
		reply, auth, _ := loop.handle(req, sources[i%len(sources)].Addr(), now)
		loop.finish(reply, auth, now)
	}
}
