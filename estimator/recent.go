package estimator

import "time"

// recentSpan is how far back from each source's newest sample the recent
// drift (recentDrift) looks. A crystal whose frequency walks by 1e-9 per
// √s moves by about 0.03 ppm in 20 minutes, which is what 64 s polls over
// a LAN's queueing measure a slope to in that time: a longer span averages
// a frequency the clock has left, a shorter one measures it worse. Over 12
// simulated seeds 20 minutes did better than 30 and 40 (outage-64s's
// outage, holdover, poll-16s).
const recentSpan = float64(20 * time.Minute)

// recentMinSamples is the fewest samples within recentSpan a source needs
// to take part in the recent drift.
const recentMinSamples = 6

// recentDrift returns the clock's drift over the newest recentSpan: the
// weighted least-squares slopes of offset over time of every time-keeping
// source's straight run of samples within that span (each sample weighted
// by its noise, as in the drift fits), combined by their precision (the
// weighted spread of their times). ok is false when no source takes part,
// and while a silence of any source is among its recentSamples newest
// samples: after an outage the fits refitted on the new samples say more
// (see afterGap), and a span across the silence would mix two
// frequencies. A drift outlier, a source apart and a source with fewer
// than 8 samples in its run take no part.
func (e *Estimator) recentDrift() (rate float64, ok bool) {
	var sumXX, sumXY float64
	for _, src := range e.list {
		n := len(src.samples)
		used := min(src.drift.used, n)
		if used < 8 || !src.timeKeeper() || src.driftOutlier || src.apart {
			continue
		}
		if silenceAmong(src.samples[n-min(recentSamples, n):]) {
			return 0, false
		}
		xx, xy, enough := recentMoments(src.samples[n-used:])
		if enough {
			sumXX, sumXY = sumXX+xx, sumXY+xy
		}
	}
	if !(sumXX > 0) {
		return 0, false
	}
	return sumXY / sumXX, true
}

// recentMoments returns the weighted second moments of the samples of run
// (oldest first) within recentSpan of its newest, about their weighted
// means: of time with itself and with offset, so that xy/xx is their
// least-squares slope; enough is false when those samples span less than
// half of recentSpan (a slope over a few minutes, as after an outage, is
// noisier than the whole run's average is off) or are fewer than
// recentMinSamples.
func recentMoments(run []record) (xx, xy float64, enough bool) {
	newest := run[len(run)-1].at
	first := len(run) - 1
	for first > 0 && float64(newest-run[first-1].at) <= recentSpan {
		first--
	}
	run = run[first:]
	if len(run) < recentMinSamples || float64(newest-run[0].at) < recentSpan/2 {
		return 0, 0, false
	}
	xx, xy = slopeMoments(run)
	return xx, xy, true
}

// silenceAmong reports whether two neighbouring samples lie more than
// gapPolls of the samples' spacing apart.
func silenceAmong(samples []record) bool {
	gap, ok := spacing(samples)
	if !ok {
		return false
	}
	for i := 1; i < len(samples); i++ {
		if samples[i].at-samples[i-1].at > gapPolls*gap {
			return true
		}
	}
	return false
}
