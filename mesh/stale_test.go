package mesh

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// epoch is when the synthetic measurements are taken from.
var epoch = time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC)

// steppedFleet is a fleet of n hosts in which the hosts of bad step by
// step at stepAt, in the middle of a poll interval of 16 s over which
// every host measures k peers: each measurement is taken at a random
// instant of the interval, and shows the offsets of that instant. Host
// victim, healthy, measured 5 of its peers among the bad hosts, and
// before they stepped: its measurements are current for its agent, which
// polls them again only in the next interval. Of the hosts that measured
// it, two are healthy and two bad, and these measured it before they
// stepped, as in issue 19's fleet simulation on seed 8.
func steppedFleet(n, k int, bad []int, step, stepAt time.Duration, victim int, seed uint64) []Edge {
	f := newFleet(n)
	rng := rand.New(rand.NewPCG(seed, 3))
	for i := range f.offsets {
		f.offsets[i] = time.Duration(rng.NormFloat64() * float64(20*time.Microsecond))
	}
	before := slices.Clone(f.offsets)
	for _, i := range bad {
		f.offsets[i] += step
	}
	after := f.offsets
	measure := func(i, j int, at time.Duration) Edge {
		f.offsets = after
		if at < stepAt {
			f.offsets = before
		}
		e := f.exchange(i, j, rng)
		e.Taken = epoch.Add(at + f.offsets[i])
		return e
	}
	const interval = 16 * time.Second
	var edges []Edge
	for i := range n {
		peers := rng.Perm(n)
		if i == victim {
			// Five bad peers, measured before they stepped, and
			// three healthy ones.
			peers = append(slices.Clone(bad[:5]), peers...)
		}
		picked := 0
		for _, j := range peers {
			if j == i || picked == k || i == victim && picked >= 5 && slices.Contains(bad, j) {
				continue
			}
			picked++
			at := time.Duration(rng.Int64N(int64(interval)))
			if i == victim && picked <= 5 {
				at = time.Duration(rng.Int64N(int64(stepAt)))
			}
			if j == victim {
				continue
			}
			edges = append(edges, measure(i, j, at))
		}
	}
	for _, by := range []int{0, 2} {
		edges = append(edges, measure(by, victim, time.Duration(rng.Int64N(int64(interval)))))
	}
	for _, by := range bad[5:7] {
		edges = append(edges, measure(by, victim, time.Duration(rng.Int64N(int64(stepAt)))))
	}
	return edges
}

// TestInferLeavesOutMeasurementsTakenBeforeAStep: a quarter of the fleet
// steps 2 ms behind a bad upstream server in the middle of a poll
// interval, and a healthy host measured 5 of its 8 peers among them just
// before. Its measurements are current for its agent, and the newer
// measurements of those peers already put them 2 ms off, so without the
// times the inference names the healthy host (issue 19's fleet simulation
// did, on seed 8). With them, the newer measurements of each bad host,
// agreeing among themselves and contradicting its older ones, show that it
// moved: its older measurements are stale, and only the bad hosts are
// named.
func TestInferLeavesOutMeasurementsTakenBeforeAStep(t *testing.T) {
	const n, victim = 400, 1
	bad := step(100, n, 4)
	edges := steppedFleet(n, 8, bad, 2*time.Millisecond, 4*time.Second, victim, 7)
	untimed := slices.Clone(edges)
	for k := range untimed {
		untimed[k].Taken = time.Time{}
	}
	if named := Infer(untimed, Config{}).Named(); !slices.Contains(named, hostName(victim)) {
		t.Fatalf("without the times, named %v: the scenario does not show a healthy host named on stale measurements", short(named))
	}
	r := Infer(edges, Config{})
	for _, name := range r.Named() {
		if !slices.Contains(names(bad), name) {
			t.Errorf("named healthy host %s", name)
		}
	}
	stale := 0
	for _, e := range r.Stale {
		if e.From == hostName(victim) {
			stale++
		}
	}
	if stale == 0 {
		t.Errorf("none of %s's measurements of its bad peers, taken before they stepped, is stale", hostName(victim))
	}
	t.Logf("named %d of the %d bad hosts; %d measurements stale, %d of them by the healthy host", len(r.Named()), len(bad), len(r.Stale), stale)
}

// TestInferLeavesOutMeasurementsBeforeToStep: a measurement taken before
// the last step its To's agent counted (Edge.ToStep), on To's clock, is
// stale.
func TestInferLeavesOutMeasurementsBeforeToStep(t *testing.T) {
	stepAt := epoch.Add(10 * time.Second)
	tests := []struct {
		name  string
		edge  Edge
		stale bool
	}{
		{"taken before the step", Edge{Taken: epoch.Add(9 * time.Second), ToStep: stepAt}, true},
		{"taken after the step", Edge{Taken: epoch.Add(11 * time.Second), ToStep: stepAt}, false},
		{"To's clock 2s behind: after the step on To's clock", Edge{Offset: 2 * time.Second, Taken: epoch.Add(11500 * time.Millisecond), ToStep: stepAt.Add(-time.Second)}, false},
		{"To's clock 2s behind: before the step on To's clock", Edge{Offset: 2 * time.Second, Taken: epoch.Add(11500 * time.Millisecond), ToStep: stepAt}, true},
		{"no step", Edge{Taken: epoch.Add(9 * time.Second)}, false},
		{"no time", Edge{ToStep: stepAt}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.edge.From, tc.edge.To, tc.edge.Error = "a", "b", 50*time.Microsecond
			edges := []Edge{tc.edge, {From: "b", To: "c", Error: 50 * time.Microsecond}}
			r := Infer(edges, Config{})
			if got := slices.Contains(r.Stale, tc.edge); got != tc.stale {
				t.Errorf("stale %v, want %v (stale: %+v)", got, tc.stale, r.Stale)
			}
		})
	}
}

// TestInferTightLinkDoesNotHoldAPair: two hosts of the bad quarter joined
// by a much tighter link than their others (a short path within a rack)
// are named with the rest, not held at the zero every host starts from.
func TestInferTightLinkDoesNotHoldAPair(t *testing.T) {
	f, bad := quarterOff(400)
	edges := f.measure(8, 13)
	for _, pair := range [][2]int{{0, 4}, {4, 0}} {
		edges = append(edges, Edge{From: hostName(pair[0]), To: hostName(pair[1]), Error: 2 * time.Microsecond})
	}
	if got, want := Infer(edges, Config{}).Named(), names(bad); !slices.Equal(got, want) {
		t.Errorf("named %d hosts %v, want the %d bad ones", len(got), short(got), len(want))
	}
}
