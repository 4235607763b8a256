package estimator

import (
	"math"
	"time"
)

// Kinds of sources.
const (
	KindNTP    = "ntp"    // an upstream NTP server
	KindPeer   = "peer"   // another clockwatch agent
	KindChrony = "chrony" // the local chronyd's own estimate
	KindPTP4L  = "ptp4l"  // the local ptp4l's offset from its master
	KindPHC    = "phc"    // a PTP hardware clock on this host
	KindPTP    = "ptp"    // a PTP grandmaster measured directly
)

// ResultOK is the poll result of a usable sample.
const ResultOK = "ok"

// SourceInfo names a source and says what it is.
type SourceInfo struct {
	// Name is unique among the sources, e.g. "ntp1.example.com:123".
	Name string
	// Kind is one of the Kind* constants.
	Kind string
	// Address is where the source is reached, e.g. "192.0.2.1:123".
	Address string
}

// sourceState is everything the estimator keeps about one source.
type sourceState struct {
	info SourceInfo
	// samples are the recent usable samples, oldest first.
	samples []Sample
	// drift is fitted from samples on every Add.
	drift driftFit
	// reach is NTP's reachability register: one bit per poll, newest in
	// bit 0, set when the poll produced a usable sample.
	reach uint8
	polls uint64
	// results counts polls by outcome.
	results map[string]uint64
	// stopped is set when the source gave up for good (kiss-o'-death DENY).
	stopped bool
	reason  string
}

func newSourceState(info SourceInfo) *sourceState {
	return &sourceState{info: info, drift: driftFit{feasible: unknownDrift}, results: map[string]uint64{}}
}

// record notes the outcome of one poll.
func (s *sourceState) record(result string) {
	s.polls++
	s.results[result]++
	s.reach <<= 1
	if result == ResultOK {
		s.reach |= 1
	}
}

// newest returns the newest sample; ok is false when there is none.
func (s *sourceState) newest() (Sample, bool) {
	if len(s.samples) == 0 {
		return Sample{}, false
	}
	return s.samples[len(s.samples)-1], true
}

// projected is a sample's interval and centre moved to local time now with
// the drift interval d and drift estimate rate.
func projected(smp Sample, now time.Time, d interval, rate float64) (interval, float64) {
	dt := float64(now.Sub(smp.Time))
	y, e := float64(smp.Offset), float64(smp.ErrorBound())
	lo := y - e + math.Min(d.lo*dt, d.hi*dt)
	hi := y + e + math.Max(d.lo*dt, d.hi*dt)
	return interval{lo, hi}, y + rate*dt
}

// view is one source's interval and point estimate at an instant.
type view struct {
	iv    interval
	point float64
}

// viewAt intersects the source's samples moved to now and takes a point
// estimate weighted towards samples with small intervals (low delay, recent).
// ok is false when the source has no samples or they disagree.
func (s *sourceState) viewAt(now time.Time, d interval, rate float64) (view, bool) {
	if len(s.samples) == 0 {
		return view{}, false
	}
	iv := interval{math.Inf(-1), math.Inf(1)}
	var sw, swp float64
	for _, smp := range s.samples {
		piv, p := projected(smp, now, d, rate)
		iv = iv.intersect(piv)
		half := math.Max(piv.width()/2, 1)
		w := 1 / (half * half)
		sw += w
		swp += w * p
	}
	if iv.empty() {
		return view{}, false
	}
	return view{iv: iv, point: iv.clamp(swp / sw)}, true
}

// add appends a sample, dropping the oldest beyond max samples or max age
// (the newest always stays). If the new sample contradicts the source's
// history under the drift interval d, the history is dropped and true is
// returned: the reference or the local clock stepped.
func (s *sourceState) add(smp Sample, d interval, rate float64, maxSamples int, maxAge time.Duration) (stepped bool) {
	if s.contradicts(smp, d, rate) {
		s.samples = s.samples[:0]
		stepped = true
	}
	s.samples = append(s.samples, smp)
	s.samples = thin(s.samples, smp.Time, maxSamples, maxAge)
	s.drift = fitDrift(s.samples)
	return stepped
}

// contradicts reports whether smp cannot be true together with the source's
// history: its interval misses the history's, or its time is not after the
// newest sample's (the local clock went back).
func (s *sourceState) contradicts(smp Sample, d interval, rate float64) bool {
	last, ok := s.newest()
	if !ok {
		return false
	}
	if !smp.Time.After(last.Time) {
		return true
	}
	v, ok := s.viewAt(smp.Time, d, rate)
	return !ok || !around(float64(smp.Offset), float64(smp.ErrorBound())).overlaps(v.iv)
}

// recentSamples is how many of the newest samples thin always keeps.
const recentSamples = 16

// thin keeps at most max samples, none older than maxAge before now
// (except the newest). Beyond the newest recentSamples it keeps the history
// spread out in time and prefers small error bounds: of the two closest
// older samples it drops the one with the wider interval. A long, sparse
// history of good samples is what pins the drift down.
func thin(samples []Sample, now time.Time, max int, maxAge time.Duration) []Sample {
	drop := 0
	for drop < len(samples)-1 && now.Sub(samples[drop].Time) > maxAge {
		drop++
	}
	samples = append(samples[:0], samples[drop:]...)
	for len(samples) > max {
		old := len(samples) - recentSamples
		if old < 2 {
			samples = append(samples[:0], samples[1:]...)
			continue
		}
		closest := 0
		for i := 1; i < old-1; i++ {
			if samples[i+1].Time.Sub(samples[i].Time) < samples[closest+1].Time.Sub(samples[closest].Time) {
				closest = i
			}
		}
		victim := closest
		if samples[closest+1].ErrorBound() > samples[closest].ErrorBound() {
			victim = closest + 1
		}
		samples = append(samples[:victim], samples[victim+1:]...)
	}
	return samples
}
