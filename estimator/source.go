package estimator

import (
	"slices"
	"time"
)

// Kind says what a source is; its value is the kind label of the metrics
// and the API.
type Kind string

// Kinds of sources.
const (
	KindNTP    Kind = "ntp"    // an upstream NTP server
	KindPeer   Kind = "peer"   // another clockwatch agent
	KindChrony Kind = "chrony" // the local chronyd's own estimate
	KindPTP4L  Kind = "ptp4l"  // the local ptp4l's offset from its master
	KindPHC    Kind = "phc"    // a PTP hardware clock on this host
	KindPTP    Kind = "ptp"    // a PTP grandmaster measured directly
)

// Result is the outcome of one poll of a source: ResultOK, or a short
// failure class that each kind of source defines ("timeout", "kod", ...).
// Its value is the result label of the metrics and the API.
type Result string

// ResultOK is the poll result of a usable sample.
const ResultOK Result = "ok"

// ResultUnauthenticated is the poll result of a sample refused because
// Config.RequireAuthentication is set and the source is not authenticated.
const ResultUnauthenticated Result = "unauthenticated"

// How a source's measurements are authenticated (SourceInfo.Authentication).
const (
	AuthNone      = "none"      // not at all; "" means the same
	AuthNTS       = "nts"       // Network Time Security (RFC 8915)
	AuthSymmetric = "symmetric" // a shared AES-CMAC key (RFC 8573)
)

// AuthCounters count a source's authentication events, as its observations
// report them; the estimator passes them on to the sinks.
type AuthCounters struct {
	// KeyExchanges and KEFailures count NTS key exchanges that succeeded
	// and failed.
	KeyExchanges, KEFailures uint64
	// BadMACs counts replies that failed authentication (NTS or a
	// symmetric key): tampered with, forged, or keyed differently.
	BadMACs uint64
	// CookieRefreshes counts fresh NTS cookies received in replies.
	CookieRefreshes uint64
	// NAKs counts NTS NAKs and crypto-NAKs from the server.
	NAKs uint64
	// Cookies is how many unspent NTS cookies the source holds.
	Cookies int
}

// authenticatedOrLocal reports whether a source may be used when
// authentication is required: it is authenticated, or it is read on this
// host rather than over the network.
func authenticatedOrLocal(info SourceInfo) bool {
	switch info.Kind {
	case KindChrony, KindPTP4L, KindPHC:
		return true
	}
	return info.Authentication != "" && info.Authentication != AuthNone
}

// SourceInfo names a source and says what it is.
type SourceInfo struct {
	// Name is unique among the sources, e.g. "ntp1.example.com:123".
	Name string
	// Kind is one of the Kind* constants.
	Kind Kind
	// Address is where the source is reached, e.g. "192.0.2.1:123".
	Address string
	// Authentication is how its measurements are authenticated: "nts",
	// "symmetric", or "none" ("" reads as "none").
	Authentication string
}

// definesTime reports whether sources of a kind define true time. Peers do
// not: they measure skew between agents.
func definesTime(kind Kind) bool { return kind != KindPeer }

// record is a sample as a source keeps it: only the numbers every estimate
// needs, worked out once, in nanoseconds. Records are small so that a
// source's window stays in cache.
type record struct {
	// at is the sample's local time since the estimator's anchor.
	at int64
	// seq orders the samples of all sources by arrival.
	seq uint64
	// offset, delay, meas and root are the sample's offset, delay,
	// measurement error and root distance.
	offset, delay, meas, root float64
	// scale is the noise model's scale for this sample.
	scale float64
}

func newRecord(s Sample, anchor time.Time, seq uint64) record {
	return record{
		at: int64(s.Time.Sub(anchor)), seq: seq,
		offset: float64(s.Offset), delay: float64(s.Delay),
		meas: float64(s.MeasurementError()), root: float64(s.RootDistance()),
	}
}

// half is the half-width of the record's interval when it was measured.
func (r record) half() float64 { return r.meas + r.root }

// sourceState is everything the estimator keeps about one source.
type sourceState struct {
	info SourceInfo
	// keepsTime is set when the source takes part in defining true time.
	keepsTime bool
	// unauthenticated is set when authentication is required and the
	// source has none: its samples are refused.
	unauthenticated bool
	// samples are the recent usable samples, oldest first.
	samples []record
	// last is the newest sample as it came in; zero if none.
	last Sample
	// noise weighs the samples by how much queueing they suffered.
	noise noiseModel
	// drift is fitted from the samples; unfitted counts the samples added
	// since.
	drift    driftFit
	unfitted int
	// oneWay is the drift the envelopes of the source's one-way delays
	// show, fitted with drift.
	oneWay oneWay
	// reach is NTP's reachability register: one bit per poll, newest in
	// bit 0, set when the poll produced a usable sample.
	reach uint8
	polls uint64
	// poll is the source's poll interval, from its observations.
	poll time.Duration
	// auth is the source's authentication counters, from its
	// observations.
	auth AuthCounters
	// results counts polls by outcome. It is replaced, never changed, so
	// estimates can share it.
	results map[Result]uint64
	// stopped is set when the source gave up for good (kiss-o'-death DENY).
	stopped bool
	reason  string
	// driftOutlier is set while the source's drift fit misses the drift
	// the majority agrees on: it is left out of the offset selection.
	// apart is set while its envelope drift disagrees with the others'
	// (envelopeDrift): the bound does not trust it alone.
	driftOutlier, apart bool
	// suspectUntil is set when the source contradicted its own history
	// while the others did not follow: until then the bound does not
	// trust it alone, and its contradictions start no transition.
	suspectUntil time.Time
	// movedUntil is set when one of its envelopes rose (oneWay.moved):
	// until then the bound does not trust it alone either.
	movedUntil time.Time
	// followedStep is set when its history last ended in a step that
	// the majority made with it (a counted step): its few samples since
	// do not make it new (see hidden).
	followedStep bool
	// cache holds the view at the newest sample.
	cache viewCache
	// buf and owBuf are reused by the fits, ends by project.
	buf   fitBuffers
	owBuf oneWayBuffers
	ends  []float64
}

func newSourceState(info SourceInfo) *sourceState {
	return &sourceState{info: info, drift: driftFit{feasible: unknownDrift}, results: map[Result]uint64{}}
}

// record notes the outcome of one poll.
func (s *sourceState) record(result Result) {
	s.polls++
	results := make(map[Result]uint64, len(s.results)+1)
	for k, n := range s.results {
		results[k] = n
	}
	results[result]++
	s.results = results
	s.reach <<= 1
	if result == ResultOK {
		s.reach |= 1
	}
}

// newest returns the newest sample and its record; ok is false when there
// is none.
func (s *sourceState) newest() (Sample, record, bool) {
	if len(s.samples) == 0 {
		return Sample{}, record{}, false
	}
	return s.last, s.samples[len(s.samples)-1], true
}

// timeKeeper reports whether the source takes part in defining true time.
func (s *sourceState) timeKeeper() bool { return !s.stopped && s.keepsTime }

// contradicts reports whether smp cannot be true together with the source's
// history: its interval misses the history's, or its time is not after the
// newest sample's (the local clock went back).
func (s *sourceState) contradicts(smp Sample, at int64, d drift) bool {
	last, _, ok := s.newest()
	if !ok {
		return false
	}
	if !smp.Time.After(last.Time) {
		return true
	}
	v, ok := s.viewAt(at, d)
	return !ok || !around(float64(smp.Offset), float64(smp.ErrorBound())).overlaps(v.iv)
}

// reset forgets the history after a step.
func (s *sourceState) reset() {
	s.samples, s.followedStep = s.samples[:0], false
	s.drift, s.unfitted = driftFit{feasible: unknownDrift}, 0
	s.oneWay.fit(nil, &s.owBuf)
}

// refitShare sets how often the drift and the noise floor are refitted:
// once the samples added since the last fit are this share of the window.
// One more sample changes a long window's fit very little, and an older
// drift fit stays correct.
const refitShare = 1.0 / 16

// add appends a sample, drops the oldest beyond maxSamples or maxAge (the
// newest always stays) and refits the noise model and the drift when due,
// and the drift alone after a silence (afterGap) or while the samples'
// straight run is short.
func (s *sourceState) add(smp Sample, r record, maxSamples int, maxAge time.Duration) {
	s.last = smp
	s.samples = append(s.samples, r)
	s.samples = thin(s.samples, maxSamples, int64(maxAge))
	s.unfitted++
	due := float64(s.unfitted) >= refitShare*float64(len(s.samples))
	s.buf.xs = s.noise.fit(s.samples, due, s.buf.xs)
	for i := range s.samples {
		s.samples[i].scale = s.noise.scale(s.samples[i])
	}
	switch {
	case due:
		s.refit()
	case s.drift.used < len(s.samples)/2 || afterGap(s.samples):
		// The drift may have changed: refit it now, the noise model
		// when due.
		unfitted := s.unfitted
		s.refit()
		s.unfitted = unfitted
	}
}

// refit fits the drift to the samples: the intervals' feasible slopes and
// the one-way envelopes. The envelopes are fitted on the samples of the
// intervals' straight run only: where no straight line passes through
// the older samples' intervals and the newer ones', the drift changed
// (or the clock stepped) in between, and an envelope over both would
// keep the old drift long after (its points drop below the envelope in
// one direction, which takes dropRun points to show).
func (s *sourceState) refit() {
	s.drift, s.unfitted = fitDrift(s.samples, &s.buf), 0
	s.oneWay.fit(s.samples[len(s.samples)-max(s.drift.used, 1):], &s.owBuf)
}

// gapPolls is how many of a source's recent sample spacings make a
// silence long enough for the drift to have changed unseen (see afterGap
// and quietAt).
const gapPolls = 4

// spacing is the mean time between the samples before the newest, over
// up to recentSamples of them; ok is false when there are too few.
func spacing(samples []record) (int64, bool) {
	n := len(samples)
	k := min(recentSamples, n-1)
	if k < 2 {
		return 0, false
	}
	return (samples[n-2].at - samples[n-1-k].at) / int64(k-1), true
}

// afterGap reports whether the newest sample came after a silence of
// gapPolls times the recent spacing of the samples or more: the drift
// may have changed meanwhile, and a fit that waits for refitShare of the
// window to be new keeps the old one for several polls.
func afterGap(samples []record) bool {
	n := len(samples)
	gap, ok := spacing(samples)
	return ok && samples[n-1].at-samples[n-2].at > gapPolls*gap
}

// quietAt reports whether the source has been silent at local time at
// (since the anchor) for gapPolls of its recent sample spacings or more:
// its drift fit says what the drift was before the silence.
func (s *sourceState) quietAt(at int64) bool {
	n := len(s.samples)
	gap, ok := spacing(s.samples)
	return ok && at-s.samples[n-1].at > gapPolls*gap
}

// recentSamples is how many of the newest samples thin always keeps.
const recentSamples = 16

// thin keeps at most max samples, none older than maxAge before the newest
// (which always stays). Beyond the newest recentSamples it keeps the history
// spread out in time and prefers tight samples: of the two closest older
// samples it drops the one with the wider interval, or the newer of two
// alike, so the oldest stays and the history grows. A long, sparse history
// of good samples is what pins the drift down.
func thin(samples []record, max int, maxAge int64) []record {
	now := samples[len(samples)-1].at
	drop := 0
	for drop < len(samples)-1 && now-samples[drop].at > maxAge {
		drop++
	}
	samples = slices.Delete(samples, 0, drop)
	for len(samples) > max {
		old := len(samples) - recentSamples
		if old < 2 {
			samples = slices.Delete(samples, 0, 1)
			continue
		}
		closest := 0
		for i := 1; i < old-1; i++ {
			if samples[i+1].at-samples[i].at < samples[closest+1].at-samples[closest].at {
				closest = i
			}
		}
		victim := closest
		if samples[closest+1].half() >= samples[closest].half() {
			victim = closest + 1
		}
		samples = slices.Delete(samples, victim, victim+1)
	}
	return samples
}
