package sim

import (
	"math"
	"slices"
	"time"

	"github.com/clockwatch/clockwatch/estimator"
)

// ChronyLike is a reference client for the simulator: an approximation of
// chronyd's estimate (4.x, default settings, measuring only), so the
// simulator can set clockwatch's numbers against a chrony-like client's
// on the same exchanges. It follows chronyd's structure, not its code:
//
//   - per source, a weighted linear regression of offset over time through
//     its newest samples (at most 64), samples whose delay exceeds the
//     minimum weighing less (chronyd's SD_TO_DIST_RATIO of 0.7), and the
//     oldest samples dropped until the residuals pass a runs test; the
//     frequency's uncertainty (skew) is the slope's standard error times
//     Student's t;
//   - per source, the selection interval is the sample with the least root
//     distance (root delay/2 + root dispersion + age × skew), moved to now
//     with the regression's frequency;
//   - sources are selected by interval intersection with a majority, those
//     within three times the best distance are combined weighted by
//     1/distance, and the best source's root delay and dispersion are the
//     reference's;
//   - the bound is root delay/2 + root dispersion, the dispersion growing
//     by (skew + maxclockerror) per second since the last update, as
//     `chronyc tracking` reports it.
//
// It leaves out what the simulator does not exercise or what changes
// little: the clock filter's delay test, asymmetry correction, the
// regression's extra runs samples, leap seconds and source options.
type ChronyLike struct {
	// MaxClockError is chronyd's maxclockerror, as a ratio (default 1e-6).
	MaxClockError float64

	sources map[string]*chronySource
	order   []*chronySource
	anchor  time.Time
	ref     chronyReference
}

// chronyReference is what the last update set.
type chronyReference struct {
	ok bool
	// at is the update's local time in seconds since the anchor; offset
	// and freq are the combined estimate then (seconds, ratio).
	at, offset, freq, skew float64
	rootDelay, rootDisp    float64
}

// chronySample is one measurement in seconds.
type chronySample struct {
	at, offset, delay, disp, rootDelay, rootDisp float64
}

// chronySource is one source's register and regression.
type chronySource struct {
	samples []chronySample
	// The regression: offset at the newest sample, frequency, skew and
	// the offset's standard error; ok once three samples agree.
	offset, freq, skew, offsetSD float64
	ok                           bool
}

// chronyMaxSamples is chronyd's register size, chronyMinSamples the
// fewest samples a regression is made of.
const (
	chronyMaxSamples = 64
	chronyMinSamples = 3
	chronyDistRatio  = 0.7
	chronyCombine    = 3
	chronyMinSkew    = 1e-12
	chronyMaxSkew    = 1e-3
)

// SetSources replaces the sources; ones that stay keep their registers.
func (c *ChronyLike) SetSources(infos []estimator.SourceInfo) {
	next := map[string]*chronySource{}
	c.order = c.order[:0]
	for _, info := range infos {
		src := c.sources[info.Name]
		if src == nil {
			src = &chronySource{}
		}
		next[info.Name] = src
		if info.Kind != estimator.KindPeer {
			c.order = append(c.order, src)
		}
	}
	c.sources = next
}

// Observe adds a sample and updates the reference, as chronyd does after
// every measurement.
func (c *ChronyLike) Observe(o estimator.Observation) error {
	src := c.sources[o.Source]
	if o.Result != estimator.ResultOK || src == nil {
		return nil
	}
	s := o.Sample
	if c.anchor.IsZero() {
		c.anchor = s.Time
	}
	smp := chronySample{
		at: s.Time.Sub(c.anchor).Seconds(), offset: s.Offset.Seconds(), delay: s.Delay.Seconds(),
		disp: s.Precision.Seconds(), rootDelay: (s.RootDelay + s.Delay).Seconds(),
	}
	smp.rootDisp = s.RootDispersion.Seconds() + smp.disp
	src.samples = append(src.samples, smp)
	if len(src.samples) > chronyMaxSamples {
		src.samples = src.samples[1:]
	}
	src.regress()
	c.update(smp.at)
	return nil
}

// Estimate returns the reference carried to now: the offset moved with
// the frequency, the bound grown by skew and maxclockerror.
func (c *ChronyLike) Estimate(now time.Time) estimator.Estimate {
	e := estimator.Estimate{Time: now, Status: estimator.StatusUnsynchronized, ErrorBound: estimator.UnknownBound}
	r := c.ref
	if !r.ok {
		return e
	}
	dt := max(now.Sub(c.anchor).Seconds()-r.at, 0)
	maxErr := c.MaxClockError
	if !(maxErr > 0) {
		maxErr = 1e-6
	}
	offset := r.offset + r.freq*dt
	bound := r.rootDelay/2 + r.rootDisp + dt*(r.skew+maxErr)
	e.Offset, e.ErrorBound = seconds(offset), seconds(bound)+1
	e.OffsetMin, e.OffsetMax = e.Offset-e.ErrorBound, e.Offset+e.ErrorBound
	e.Drift, e.DriftBound = r.freq, r.skew
	e.Status, e.Synchronized = estimator.StatusSynchronized, true
	return e
}

// seconds converts seconds to a Duration.
func seconds(s float64) time.Duration { return time.Duration(math.Round(s * 1e9)) }

// regress fits the source's register: weights from the distances, then
// the longest run of newest samples whose residuals pass the runs test;
// older samples are dropped, as chronyd prunes its register.
func (src *chronySource) regress() {
	n := len(src.samples)
	src.ok = false
	if n < chronyMinSamples {
		return
	}
	w := src.weights()
	for start := 0; start+chronyMinSamples <= n; start++ {
		fit, ok := regression(src.samples[start:], w[start:])
		if !ok || (!fit.randomRuns() && start+chronyMinSamples < n) {
			continue
		}
		src.samples = src.samples[start:]
		src.offset, src.freq, src.offsetSD = fit.intercept, fit.slope, fit.interceptSD
		src.skew = min(max(fit.slopeSD*tCoefficient(fit.n-2), chronyMinSkew), chronyMaxSkew)
		src.ok = true
		return
	}
}

// weights gives each sample a variance factor: 1 at the least distance,
// growing with the distance beyond it in units of the distances' spread.
func (src *chronySource) weights() []float64 {
	n := len(src.samples)
	dist := make([]float64, n)
	least := math.Inf(1)
	for i, s := range src.samples {
		dist[i] = s.delay/2 + s.disp
		least = min(least, dist[i])
	}
	sorted := slices.Clone(dist)
	slices.Sort(sorted)
	median := sorted[n/2]
	sd := min(max((median-least)/chronyDistRatio, 1e-9), max(least, 1e-9))
	w := make([]float64, n)
	for i := range dist {
		f := 1 + max(dist[i]-least, 0)/sd
		w[i] = f * f
	}
	return w
}

// fit is a weighted linear regression of offset over time, x relative to
// the newest sample.
type fit struct {
	n                                      int
	intercept, slope, interceptSD, slopeSD float64
	residuals                              []float64
}

// regression fits samples with variance factors w.
func regression(samples []chronySample, w []float64) (fit, bool) {
	n := len(samples)
	newest := samples[n-1].at
	var sw, sx, sy float64
	for i, s := range samples {
		k := 1 / w[i]
		sw, sx, sy = sw+k, sx+k*(s.at-newest), sy+k*s.offset
	}
	mx, my := sx/sw, sy/sw
	var sxx, sxy float64
	for i, s := range samples {
		k, dx := 1/w[i], s.at-newest-mx
		sxx, sxy = sxx+k*dx*dx, sxy+k*dx*(s.offset-my)
	}
	if !(sxx > 0) {
		return fit{}, false
	}
	f := fit{n: n, slope: sxy / sxx}
	f.intercept = my - f.slope*mx
	var ss float64
	f.residuals = make([]float64, n)
	for i, s := range samples {
		r := s.offset - (f.intercept + f.slope*(s.at-newest))
		f.residuals[i] = r
		ss += r * r / w[i]
	}
	variance := ss / float64(max(n-2, 1))
	f.slopeSD = math.Sqrt(variance / sxx)
	f.interceptSD = math.Sqrt(variance * (1/sw + mx*mx/sxx))
	return f, true
}

// randomRuns reports whether the residuals' signs change often enough to
// be noise around the line rather than a trend the line misses: at least
// the expected number of runs less two standard deviations.
func (f fit) randomRuns() bool {
	var pos, neg, runs float64
	for i, r := range f.residuals {
		if r >= 0 {
			pos++
		} else {
			neg++
		}
		if i == 0 || (r >= 0) != (f.residuals[i-1] >= 0) {
			runs++
		}
	}
	n := pos + neg
	if pos == 0 || neg == 0 {
		return n < 6
	}
	mean := 1 + 2*pos*neg/n
	variance := 2 * pos * neg * (2*pos*neg - n) / (n * n * (n - 1))
	return runs >= mean-2*math.Sqrt(max(variance, 0))
}

// tCoefficient is Student's t for a two-sided 95 % interval with dof
// degrees of freedom.
func tCoefficient(dof int) float64 {
	table := []float64{12.71, 4.30, 3.18, 2.78, 2.57, 2.45, 2.36, 2.31, 2.26, 2.23}
	if dof < 1 {
		return table[0]
	}
	if dof <= len(table) {
		return table[dof-1]
	}
	return 2
}

// chronySelection is one source's selection data at an instant.
type chronySelection struct {
	src                       *chronySource
	offset, distance          float64
	rootDelay, rootDisp, skew float64
}

// selection returns the source's interval at local time now (seconds
// since the anchor): its best sample moved with the frequency.
func (src *chronySource) selection(now float64) chronySelection {
	best, bestDist := 0, math.Inf(1)
	for i, s := range src.samples {
		d := s.rootDelay/2 + s.rootDisp + (now-s.at)*src.skew
		if d < bestDist {
			best, bestDist = i, d
		}
	}
	s := src.samples[best]
	newest := src.samples[len(src.samples)-1].at
	return chronySelection{
		src: src, offset: src.offset + src.freq*(now-newest), distance: bestDist,
		rootDelay: s.rootDelay, rootDisp: s.rootDisp + (now-s.at)*src.skew + src.offsetSD, skew: src.skew,
	}
}

// update selects and combines the sources at local time now and sets the
// reference.
func (c *ChronyLike) update(now float64) {
	var sel []chronySelection
	for _, src := range c.order {
		if src.ok {
			sel = append(sel, src.selection(now))
		}
	}
	if 2*len(sel) <= len(c.order) {
		return
	}
	lo, hi, ok := majority(sel, len(c.order))
	if !ok {
		return
	}
	best := -1
	for i, s := range sel {
		if s.offset+s.distance >= lo && s.offset-s.distance <= hi && (best < 0 || s.distance < sel[best].distance) {
			best = i
		}
	}
	var sw, so, sfw, sf float64
	for _, s := range sel {
		if s.offset+s.distance < lo || s.offset-s.distance > hi || s.distance > chronyCombine*sel[best].distance {
			continue
		}
		w, fw := 1/s.distance, 1/(s.skew*s.skew)
		sw, so = sw+w, so+w*s.offset
		sfw, sf = sfw+fw, sf+fw*s.src.freq
	}
	b := sel[best]
	c.ref = chronyReference{
		ok: true, at: now, offset: so / sw, freq: sf / sfw, skew: b.skew,
		rootDelay: b.rootDelay, rootDisp: b.rootDisp,
	}
}

// majority returns the region a majority of the n sources' intervals
// share (Marzullo's algorithm, the fewest falsetickers first).
func majority(sel []chronySelection, n int) (lo, hi float64, ok bool) {
	for f := 0; 2*f < n; f++ {
		need := n - f
		lo, hi = math.Inf(1), math.Inf(-1)
		for _, a := range sel {
			for _, x := range []float64{a.offset - a.distance, a.offset + a.distance} {
				count := 0
				for _, b := range sel {
					if b.offset-b.distance <= x && x <= b.offset+b.distance {
						count++
					}
				}
				if count >= need {
					lo, hi = min(lo, x), max(hi, x)
				}
			}
		}
		if lo <= hi {
			return lo, hi, true
		}
	}
	return 0, 0, false
}
