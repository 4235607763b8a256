package logicaltime

import (
	"math/rand/v2"
	"testing"
	"time"
)

// TestCausalOrderAcrossSkewedProducers runs chains of events through
// services whose clocks are skewed by up to ± maxSkew, each event caused by
// the one before it (a record consumed, then a record produced) a few
// hundred microseconds to 2 ms later. It counts the cause/effect pairs that
// merging by wall-clock time puts in the wrong order, and checks that
// merging by the HLC timestamps carried in the records' headers never does,
// and that each HLC timestamp stays within maxSkew of true time.
func TestCausalOrderAcrossSkewedProducers(t *testing.T) {
	tests := []struct {
		maxSkew, maxHop time.Duration
	}{
		{maxSkew: 5 * time.Millisecond, maxHop: 2 * time.Millisecond},
		{maxSkew: 500 * time.Microsecond, maxHop: 2 * time.Millisecond},
	}
	const services, chains, hops = 8, 1000, 5
	for _, tt := range tests {
		rng := rand.New(rand.NewPCG(1, 2))
		clocks := make([]*ManualClock, services)
		hlcs := make([]*HLC, services)
		skews := make([]time.Duration, services)
		for i := range services {
			clocks[i] = NewManualClock(time.Time{})
			hlcs[i] = NewHLC(WithPhysicalClock(clocks[i].Now))
			skews[i] = time.Duration(rng.Int64N(int64(2*tt.maxSkew+1))) - tt.maxSkew
		}
		now := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
		var pairs, wallInverted int
		for range chains {
			headers := MapCarrier{}
			var prevWall time.Time
			var prevStamp Timestamp
			for hop := range hops {
				s := rng.IntN(services)
				clocks[s].Set(now.Add(skews[s]))
				if hop > 0 {
					if _, err := Receive(hlcs[s], headers); err != nil {
						t.Fatal(err)
					}
				}
				wall, stamp := clocks[s].Now(), Inject(hlcs[s], headers)
				if d := stamp.Time().Sub(now); d > tt.maxSkew || d < -tt.maxSkew-Tick {
					t.Errorf("HLC timestamp %v is %v from true time %v, more than the skew %v", stamp, d, now, tt.maxSkew)
				}
				if hop > 0 {
					pairs++
					if !prevWall.Before(wall) {
						wallInverted++
					}
					if !prevStamp.Before(stamp) {
						t.Errorf("HLC order broken: cause %v, effect %v", prevStamp, stamp)
					}
				}
				prevWall, prevStamp = wall, stamp
				now = now.Add(time.Duration(rng.Int64N(int64(tt.maxHop-100*time.Microsecond))) + 100*time.Microsecond)
			}
			now = now.Add(time.Second)
		}
		t.Logf("clocks skewed up to ±%v, hops up to %v: by wall clock %d of %d cause/effect pairs (%.1f%%) are out of order; by HLC none",
			tt.maxSkew, tt.maxHop, wallInverted, pairs, 100*float64(wallInverted)/float64(pairs))
		if tt.maxSkew > tt.maxHop && wallInverted == 0 {
			t.Errorf("no wall-clock inversion with skews beyond the hop time: the test does not test")
		}
	}
}
