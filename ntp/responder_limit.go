package ntp

import (
	"net/netip"
	"time"

	"golang.org/x/time/rate"
)

// Defaults of RateLimit.
const (
	DefaultRateLimit   = 2.0   // requests per second per source address
	DefaultRateBurst   = 16    // covers a client's start-up burst and `clockwatch query`
	DefaultRateSources = 65536 // addresses tracked at once
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
}

// verdict is what the limiter decides for one request.
type verdict int

const (
	verdictAnswer verdict = iota // within budget: answer
	verdictKoD                   // over budget: answer with kiss-o'-death RATE
	verdictDrop                  // over budget, KoD already sent: ignore
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
}

// newSourceLimiter returns the limiter cfg describes, nil when limiting is
// disabled.
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
	limit := rate.Limit(cfg.Rate)
	return &sourceLimiter{
		limit:   limit,
		burst:   cfg.Burst,
		max:     cfg.MaxSources,
		buckets: make(map[netip.Addr]*bucket),
		shared:  &bucket{tokens: rate.NewLimiter(limit*sharedFactor, cfg.Burst*sharedFactor)},
	}
}

// admit spends one token of addr's bucket at now and says what to do with
// the request. A nil limiter admits everything.
func (l *sourceLimiter) admit(addr netip.Addr, now time.Time) verdict {
	if l == nil {
		return verdictAnswer
	}
	b := l.bucketOf(addr.Unmap(), now)
	if b.tokens.AllowN(now, 1) {
		return verdictAnswer
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
