package estimator

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"
)

// pathClock feeds an estimator exchanges of one local clock that runs
// drift fast against servers over paths with a minimum delay each way and
// exponential queueing.
type pathClock struct {
	e       *Estimator
	rng     *rand.Rand
	drift   float64
	servers []string
	// out and back are each server's minimum one-way delays.
	out, back map[string]time.Duration
	// walk makes a server's clock run away from second walkFrom on: its
	// frequency grows by walk per second.
	walk     map[string]float64
	walkFrom int
}

func newPathClock(t *testing.T, drift float64, servers ...string) *pathClock {
	t.Helper()
	c := &pathClock{e: New(Config{}), rng: rand.New(rand.NewPCG(5, 5)), drift: drift, servers: servers,
		out: map[string]time.Duration{}, back: map[string]time.Duration{}, walk: map[string]float64{}}
	var infos []SourceInfo
	for _, name := range servers {
		infos = append(infos, SourceInfo{Name: name, Kind: KindNTP})
		c.out[name], c.back[name] = 100*time.Microsecond, 100*time.Microsecond
	}
	c.e.SetSources(infos)
	return c
}

// run polls every server once a second from second from to second to,
// checking that the bound holds on every estimate, and returns the last.
func (c *pathClock) run(t *testing.T, from, to int) Estimate {
	t.Helper()
	var est Estimate
	for i := from; i < to; i++ {
		at := epoch.Add(time.Duration(i) * time.Second)
		truth := time.Duration(c.drift * float64(at.Sub(epoch)))
		for _, name := range c.servers {
			out := c.out[name] + time.Duration(c.rng.ExpFloat64()*float64(50*time.Microsecond))
			back := c.back[name] + time.Duration(c.rng.ExpFloat64()*float64(50*time.Microsecond))
			secs := float64(max(i-c.walkFrom, 0))
			walked := time.Duration(c.walk[name] * secs * secs / 2 * 1e9)
			smp := Sample{Source: name, Time: at, Offset: truth + (back-out)/2 - walked, Delay: out + back}
			if err := c.e.Add(smp); err != nil {
				t.Fatal(err)
			}
		}
		est = c.e.Estimate(at)
		if (est.Offset - truth).Abs() > est.ErrorBound {
			t.Fatalf("second %d: %v ± %v misses %v (%s drift)", i, est.Offset, est.ErrorBound, truth, est.DriftModel)
		}
	}
	return est
}

// TestEnvelopeDriftNarrowsTheBound: a few minutes of exchanges prove the
// drift only to within tens of ppm; the envelopes pin it to a fraction of
// that, the estimate says it relies on them, and the bound holds.
func TestEnvelopeDriftNarrowsTheBound(t *testing.T) {
	c := newPathClock(t, 30e-6, "a", "b", "c")
	if est := c.run(t, 0, 20); est.DriftModel == DriftModelEnvelope {
		t.Errorf("after 20 s the drift model is %s: too few samples for an envelope", est.DriftModel)
	}
	est := c.run(t, 20, 240)
	m := c.e.measuredDrift()
	if est.DriftModel != DriftModelEnvelope || m.proven.width() < 3*m.region.width() {
		t.Fatalf("after 4 min: model %s, drift %v within the proven %v", est.DriftModel, m.region, m.proven)
	}
	if est.DriftBound > c.e.cfg.Wander+0.5e-6 {
		t.Errorf("drift bound %g, want the wander allowance and a fraction of a ppm", est.DriftBound)
	}
	t.Logf("drift %.3f ppm ± %.3f; proven %v, envelopes %v", est.Drift*1e6, est.DriftBound*1e6, m.proven, m.region)
}

// TestRouteChangeRestartsTheEnvelope: a server's outbound minimum delay
// grows or shrinks by 300 µs; its envelope restarts there and
// the bound holds throughout. A longer delay leaves the server's intervals
// as true as before, so the bound keeps trusting it; a shorter one looks
// like its clock moving against ours (its points rise), so the bound does
// not trust it alone for a while.
func TestRouteChangeRestartsTheEnvelope(t *testing.T) {
	tests := []struct {
		name      string
		by        time.Duration
		wantMoved bool
	}{
		{name: "longer", by: 300 * time.Microsecond},
		{name: "shorter", by: -300 * time.Microsecond, wantMoved: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := newPathClock(t, -9e-6, "a", "b", "c")
			c.out["a"] = 400 * time.Microsecond
			c.run(t, 0, 300)
			c.out["a"] += tc.by
			c.run(t, 300, 340)
			a := c.e.sources["a"]
			if moved := epoch.Add(340 * time.Second).Before(a.movedUntil); a.oneWay.shifts == 0 || moved != tc.wantMoved {
				t.Fatalf("after the route change: %d shifts, moved until %v; want it moved %v", a.oneWay.shifts, a.movedUntil, tc.wantMoved)
			}
			if est := c.run(t, 340, 900); est.DriftModel != DriftModelEnvelope {
				t.Errorf("ten minutes after the route change the drift model is %s", est.DriftModel)
			}
		})
	}
}

// TestWalkingServerIsNotTrustedAlone: a server whose frequency runs away
// bends its envelopes against the others'; the bound stops trusting it
// alone and holds throughout.
func TestWalkingServerIsNotTrustedAlone(t *testing.T) {
	c := newPathClock(t, 3e-6, "a", "b", "c", "d", "walker")
	c.run(t, 0, 300)
	c.walk["walker"], c.walkFrom = 1e-6/600, 300
	c.run(t, 300, 1500)
	w := c.e.sources["walker"]
	if now := epoch.Add(1500 * time.Second); !(w.apart || w.driftOutlier || now.Before(w.movedUntil) || now.Before(w.suspectUntil)) {
		t.Errorf("the walker is trusted alone: apart %v outlier %v moved until %v suspect until %v", w.apart, w.driftOutlier, w.movedUntil, w.suspectUntil)
	}
}

// TestWarmStartNeverNarrowsTheInterval: a warm start, right or wrong and
// however confident, steers only the drift estimate: on the same exchanges
// the region that holds the truth is the cold estimator's, second by
// second, and the bound never less than half of it.
func TestWarmStartNeverNarrowsTheInterval(t *testing.T) {
	const truth = 20e-6
	for _, saved := range []float64{truth, truth + 50e-6, truth - 490e-6} {
		t.Run(fmt.Sprintf("saved %+.0fppm", saved*1e6), func(t *testing.T) {
			cold, warm := newPathClock(t, truth, "a", "b", "c"), newPathClock(t, truth, "a", "b", "c")
			warm.e.WarmStart(saved, 0.001e-6)
			for i := range 300 {
				c, w := cold.run(t, i, i+1), warm.run(t, i, i+1)
				if w.OffsetMin != c.OffsetMin || w.OffsetMax != c.OffsetMax || 2*w.ErrorBound < w.OffsetMax-w.OffsetMin {
					t.Fatalf("second %d: warm %v..%v ± %v, cold %v..%v", i, w.OffsetMin, w.OffsetMax, w.ErrorBound, c.OffsetMin, c.OffsetMax)
				}
			}
		})
	}
}

// TestEstimateBeforeTheNewestSample: an estimate asked for an instant
// before the newest sample (Estimate changes nothing and may be called in
// any order) still holds the truth then.
func TestEstimateBeforeTheNewestSample(t *testing.T) {
	c := newPathClock(t, -15e-6, "a", "b", "c")
	c.run(t, 0, 300)
	for _, back := range []time.Duration{500 * time.Millisecond, 30 * time.Second} {
		at := epoch.Add(299*time.Second - back)
		truth := time.Duration(c.drift * float64(at.Sub(epoch)))
		if est := c.e.Estimate(at); !est.Synchronized || (est.Offset-truth).Abs() > est.ErrorBound {
			t.Errorf("%v before the newest sample: %v ± %v misses %v", back, est.Offset, est.ErrorBound, truth)
		}
	}
}
