package estimator

import "math"

// noiseModel weighs a source's samples by the queueing they suffered. An
// NTP offset is off by at most half the delay beyond the path's minimum,
// and a sample that queued little is off by little, so the samples with the
// least delay say the most. This is what makes the estimate robust to
// heavy-tailed delays: a sample delayed by a burst of traffic gets a weight
// near zero instead of moving the estimate.
type noiseModel struct {
	// minDelay is the smallest delay among the samples.
	minDelay float64
	// floor keeps the few lowest-delay samples from taking all the weight:
	// it is half the first quartile of the excess delays.
	floor float64
}

// noiseQuantile is the share of a source's samples that weigh about the
// same as its lowest-delay sample.
const noiseQuantile = 0.25

// fit refits the noise model to a source's samples: the minimum delay
// always, the floor only when refloor is set (it moves slowly and costs a
// selection). scratch is reused and returned.
func (m *noiseModel) fit(samples []record, refloor bool, scratch []float64) []float64 {
	m.minDelay = math.Inf(1)
	for _, r := range samples {
		m.minDelay = min(m.minDelay, r.delay)
	}
	if !refloor && m.floor > 0 {
		return scratch
	}
	scratch = scratch[:0]
	for _, r := range samples {
		scratch = append(scratch, r.delay-m.minDelay)
	}
	q := nth(scratch, int(noiseQuantile*float64(len(scratch)-1)))
	m.floor = max(q/2, 1)
	return scratch
}

// nth returns the k-th smallest of xs (0-based), reordering xs: Hoare's
// selection, linear on average.
func nth(xs []float64, k int) float64 {
	lo, hi := 0, len(xs)-1
	for lo < hi {
		pivot := xs[(lo+hi)/2]
		i, j := lo, hi
		for i <= j {
			for xs[i] < pivot {
				i++
			}
			for xs[j] > pivot {
				j--
			}
			if i <= j {
				xs[i], xs[j] = xs[j], xs[i]
				i++
				j--
			}
		}
		switch {
		case k <= j:
			hi = j
		case k >= i:
			lo = i
		default:
			return xs[k]
		}
	}
	return xs[k]
}

// scale is how far the sample's offset is likely off because of queueing,
// in nanoseconds.
func (m noiseModel) scale(r record) float64 {
	return (r.delay-m.minDelay)/2 + m.floor
}
