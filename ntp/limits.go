package ntp

import (
	"fmt"
	"github.com/clockwatch/clockwatch/estimator"
	"math"
	"time"
)

// Results of a reply rejected by the sanity limits. They label the metric
// clockwatch_source_samples_total{result} like the other results.
const (
	ResultMaxDelay     estimator.Result = "max_delay"     // round trip longer than Limits.MaxDelay
	ResultMaxDistance  estimator.Result = "max_distance"  // root distance beyond Limits.MaxDistance
	ResultBadPrecision estimator.Result = "bad_precision" // claimed precision coarser than Limits.MaxDelay
)

// Defaults of Limits: chrony's maxdelay and maxdistance.
const (
	DefaultMaxDelay    = 3 * time.Second
	DefaultMaxDistance = 3 * time.Second
	// MaxLimit is the largest limit accepted, chrony's largest maxdelay.
	MaxLimit = 1000 * time.Second
)

// Limits are the sanity limits a reply must meet to become a sample, as
// chrony applies them. A reply past them would give the source an interval
// so wide that it agrees with every other source: it would be selected and
// let a liar be selected beside an honest server. Zero fields take the
// defaults.
type Limits struct {
	// MaxDelay is the longest round trip accepted (chrony's maxdelay,
	// default 3 s). The precision the server and this host claim must
	// not be coarser than it either (chrony's test A).
	MaxDelay time.Duration
	// MaxDistance is the largest root distance accepted: half the round
	// trip and half the server's root delay, plus its root dispersion
	// (chrony's maxdistance, default 3 s).
	MaxDistance time.Duration
}

// withDefaults fills the zero fields.
func (l Limits) withDefaults() Limits {
	if l.MaxDelay <= 0 {
		l.MaxDelay = DefaultMaxDelay
	}
	if l.MaxDistance <= 0 {
		l.MaxDistance = DefaultMaxDistance
	}
	return l
}

// Validate reports a limit that is negative or above MaxLimit; zero is a
// default.
func (l Limits) Validate() error {
	for _, v := range []struct {
		name string
		d    time.Duration
	}{{"max delay", l.MaxDelay}, {"max distance", l.MaxDistance}} {
		if v.d < 0 || v.d > MaxLimit {
			return fmt.Errorf("ntp: %s %v is outside 0s..%v", v.name, v.d, MaxLimit)
		}
	}
	return nil
}

// check rejects a sample of a reply whose server precision is log2
// seconds, past the limits; localPrecision is this host's.
func (l Limits) check(delay, rootDelay, rootDispersion time.Duration, serverPrecision int8, localPrecision time.Duration) error {
	l = l.withDefaults()
	if delay > l.MaxDelay {
		return reject(ResultMaxDelay, "round-trip delay %v exceeds the maximum %v (raise --ntp.max-delay for a slow path)", delay, l.MaxDelay)
	}
	if p := math.Ldexp(1, int(serverPrecision)) + localPrecision.Seconds(); p > l.MaxDelay.Seconds() {
		return reject(ResultBadPrecision, "claimed precision 2^%d s is coarser than the maximum delay %v", serverPrecision, l.MaxDelay)
	}
	if d := rootDistance(delay, rootDelay, rootDispersion); d > l.MaxDistance {
		return reject(ResultMaxDistance, "root distance %v (half the delay and root delay %v, plus root dispersion %v) exceeds the maximum %v (raise --ntp.max-distance for a server with a poor reference)", d, rootDelay, rootDispersion, l.MaxDistance)
	}
	return nil
}

// rootDistance is the error a server's reply can carry from the reference
// to this host: half of each round trip on the way, plus the server's
// dispersion.
func rootDistance(delay, rootDelay, rootDispersion time.Duration) time.Duration {
	return (delay+rootDelay)/2 + rootDispersion
}
