package ntp

import (
	"fmt"
	"math"
	"math/rand/v2"
	"net/netip"
	"time"

	"golang.org/x/time/rate"
)

// Defaults of RateLimit.
const (
	DefaultRateLimit   = 2.0   // requests per second per source address
	DefaultRateBurst   = 16    // covers a client's start-up burst and `clockwatch query`
	DefaultRateSources = 65536 // addresses tracked at once
	DefaultRateLeak    = 2     // one over-limit request in 2^2 answered anyway, as chrony's ratelimit leak
	// MaxRateLeak is the largest Leak: one over-limit request in 16.
	MaxRateLeak = 4
)

// kodInterval is the least time between two kiss-o'-death replies to one
// source: past its budget a source gets one KoD RATE per interval and
// silence otherwise, so a flood cannot turn the responder into a KoD
// generator either.
const kodInterval = time.Second

// sweepInterval is the least time between two sweeps of idle buckets when
// the table is full.
const sweepInterval = time.Second

// sharedFactor scales the bucket shared by addresses that find the table
// full: they are many, so it is larger than one source's.
const sharedFactor = 16

// RateLimit configures the responder's token bucket per source address.
// The zero value means the defaults; a negative Rate disables limiting.
type RateLimit struct {
	// Rate is the sustained requests per second one address may send.
	Rate float64
	// Burst is how many requests an address may send at once.
	Burst int
	// MaxSources bounds the addresses tracked. When the table is full and
	// no bucket is idle, new addresses share one larger bucket, so a flood
	// from spoofed addresses cannot grow memory or starve known peers.
	MaxSources int
	// Leak answers one over-limit request in 2^Leak, chosen at random, as
	// chrony's "ratelimit leak" does: a flood that spoofs an address
	// cannot then deny that address's real owner every reply. 1 to
	// MaxRateLeak; 0 means DefaultRateLeak. The replies are never larger
	// than the requests, so the leak cannot amplify a flood.
	Leak int
}

// Validate reports the first field that cannot configure a limiter: a rate
// that is not a number or infinite, a negative burst, table size or leak,
// or a leak above MaxRateLeak.
func (c RateLimit) Validate() error {
	switch {
	case math.IsNaN(c.Rate) || math.IsInf(c.Rate, 0):
		return fmt.Errorf("ntp: rate limit %v is not a finite number of requests per second", c.Rate)
	case c.Burst < 0:
		return fmt.Errorf("ntp: rate limit burst %d is negative", c.Burst)
	case c.MaxSources < 0:
		return fmt.Errorf("ntp: rate limit table size %d is negative", c.MaxSources)
	case c.Leak < 0 || c.Leak > MaxRateLeak:
		return fmt.Errorf("ntp: rate limit leak %d is outside 1..%d (one over-limit request in 2^leak answered)", c.Leak, MaxRateLeak)
	}
	return nil
}

// verdict is what the limiter decides for one request.
type verdict int

const (
	verdictAnswer verdict = iota // within budget: answer
	verdictKoD                   // over budget: answer with kiss-o'-death RATE
	verdictDrop                  // over budget, KoD already sent: ignore
	verdictLeak                  // over budget, but drawn by the leak: answer
)

// bucket is the budget of one source address.
type bucket struct {
	tokens  *rate.Limiter
	lastKoD time.Time
}

// sourceLimiter keeps a token bucket per source address. It is owned by
// one goroutine, the responder's serve loop; time comes in with each call.
type sourceLimiter struct {
	limit     rate.Limit
	burst     int
	max       int
	buckets   map[netip.Addr]*bucket
	shared    *bucket
	lastSweep time.Time
	// leakMask selects one draw of random in 2^Leak: a draw with none of
	// its bits set leaks.
	leakMask uint64
	random   func() uint64
}

// newSourceLimiter returns the limiter cfg describes, nil when limiting is
// disabled. cfg must be valid (RateLimit.Validate).
func newSourceLimiter(cfg RateLimit) *sourceLimiter {
	if cfg.Rate < 0 {
		return nil
	}
	if cfg.Rate == 0 {
		cfg.Rate = DefaultRateLimit
	}
	if cfg.Burst <= 0 {
		cfg.Burst = DefaultRateBurst
	}
	if cfg.MaxSources <= 0 {
		cfg.MaxSources = DefaultRateSources
	}
	if cfg.Leak <= 0 {
		cfg.Leak = DefaultRateLeak
	}
	limit := rate.Limit(cfg.Rate)
	return &sourceLimiter{
		limit:    limit,
		burst:    cfg.Burst,
		max:      cfg.MaxSources,
		buckets:  make(map[netip.Addr]*bucket),
		shared:   &bucket{tokens: rate.NewLimiter(limit*sharedFactor, cfg.Burst*sharedFactor)},
		leakMask: 1<<cfg.Leak - 1,
		random:   rand.Uint64,
	}
}

// admit spends one token of addr's bucket at now and says what to do with
// the request: within the budget it is answered; past it, one in 2^Leak
// at random is answered anyway (the leak), the others get one KoD RATE per
// kodInterval and silence otherwise. A nil limiter admits everything.
func (l *sourceLimiter) admit(addr netip.Addr, now time.Time) verdict {
	if l == nil {
		return verdictAnswer
	}
	b := l.bucketOf(addr.Unmap(), now)
	if b.tokens.AllowN(now, 1) {
		return verdictAnswer
	}
	if l.random()&l.leakMask == 0 {
		return verdictLeak
	}
	if !b.lastKoD.IsZero() && now.Sub(b.lastKoD) < kodInterval {
		return verdictDrop
	}
	b.lastKoD = now
	return verdictKoD
}

// bucketOf finds or makes addr's bucket. When the table is full it first
// forgets idle buckets (full again, so forgetting loses nothing), at most
// once per sweepInterval; if none is idle, addr shares the overflow bucket.
func (l *sourceLimiter) bucketOf(addr netip.Addr, now time.Time) *bucket {
	if b, ok := l.buckets[addr]; ok {
		return b
	}
	if len(l.buckets) >= l.max && now.Sub(l.lastSweep) >= sweepInterval {
		l.lastSweep = now
		for a, b := range l.buckets {
			if b.tokens.TokensAt(now) >= float64(l.burst) {
				delete(l.buckets, a)
			}
		}
	}
	if len(l.buckets) >= l.max {
		return l.shared
	}
	b := &bucket{tokens: rate.NewLimiter(l.limit, l.burst)}
	l.buckets[addr] = b
	return b
}
