package mesh

import (
	"slices"
	"testing"
	"time"
)

// TestInferCannotTellARerouteFromAStepAtTheSameMoment is the limit behind
// the hosts no inference can name: a rack's uplink detours one way at the
// moment some of its hosts' clocks step (fleetsim starts every fault at
// the same instant: the hosts behind the bad upstream server step 2 ms as
// two racks' uplinks detour 2 ms).
//
// Every fourth host of 1,000 follows a bad upstream and steps by step;
// rack 1 (hosts 40-79) has its uplink detour 2 ms. Then the same
// measurements come from a second fleet: there, the rack's hosts that
// follow the bad upstream kept their clocks and the rack's 30 others
// stepped 2 ms back, while the detour is on the way into the rack. Every
// measurement, its offset and its error (half its round trip), is the same
// to the nanosecond in both fleets, after the faults as before them (the
// fleets differ only from the faults on), so neither the offsets, nor the
// round trips, nor how either changed can tell the two apart: whatever
// names the 10 stepped hosts of the first fleet names 10 healthy hosts in
// the second. Infer names neither, and every host off outside the rack.
//
// A step larger than the detour by more than the threshold is named: the
// same measurements come from the second fleet as well, but it moves the
// rack back by at most the detour (the whole of it on the way in instead
// of out), which leaves the stepped hosts off there too (4 ms - 2 ms).
// The rack's other hosts are never named: healthy in the first fleet, 2 ms
// off in the second.
func TestInferCannotTellARerouteFromAStepAtTheSameMoment(t *testing.T) {
	const n, k, detour = 1000, 8, 2 * time.Millisecond
	rack := seq(40, 80)
	tests := []struct {
		step time.Duration
		// named says whether the rack's stepped hosts are named.
		named bool
	}{
		{2 * time.Millisecond, false},
		{4 * time.Millisecond, true},
	}
	for _, tc := range tests {
		t.Run(tc.step.String(), func(t *testing.T) {
			stepped, mirror := newFleet(n), newFleet(n)
			bad := step(0, n, 4)
			for _, i := range bad {
				stepped.offsets[i], mirror.offsets[i] = tc.step, tc.step
			}
			for _, i := range rack {
				stepped.group[i], stepped.uplink[i] = 1, detour
				mirror.group[i], mirror.downlink[i] = 1, detour
				mirror.offsets[i] -= detour
			}
			edges := stepped.measure(k, 3)
			if !slices.Equal(edges, mirror.measure(k, 3)) {
				t.Fatal("the two fleets measure differently; want the same measurements")
			}
			var want []int
			for _, i := range bad {
				if tc.named || !slices.Contains(rack, i) {
					want = append(want, i)
				}
			}
			if got := Infer(edges, Config{}).Named(); !slices.Equal(got, names(want)) {
				t.Errorf("named %d hosts %v, want %d %v", len(got), short(got), len(want), short(names(want)))
			}
		})
	}
}
