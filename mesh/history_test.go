package mesh

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// TestHistoryTellsARerouteFromAStepAtAnotherMoment is the case that
// TestInferCannotTellARerouteFromAStepAtTheSameMoment leaves open, with
// the two faults apart: every fourth host of 1,000 steps 2 ms, and rack 1
// (hosts 40-79) has its uplink detour 2 ms one way, each at its own
// round; in some cases a third fault comes with the detour: another
// quarter of the fleet, outside the rack (every fourth host from host 1),
// steps 2 ms back. The hosts measure the same peers round after round,
// each measurement with its own queueing. Round by round, History.Infer
// names every stepped host, the rerouted rack's too, within 2 rounds of
// its step, and never a healthy host; when the detour and the step of
// every fourth host come in the same round it names every stepped host
// outside the rack and still no healthy host, as Infer alone does (the
// rack's stepped hosts cannot be told from the rack's others stepping
// back).
//
// Hosts stepping as the rack's route changes move the paths between them
// and the rack by the step and the detour's share at once: those paths
// alone would put the rack's hosts 2 ms back (the share taken is the
// step's as much as the detour's), and some of the rack's hosts have most
// of their paths to such hosts. But each of the rack's hosts has most of
// its paths rerouted with one share, the median of those to hosts not
// named, which holds no step of another host.
func TestHistoryTellsARerouteFromAStepAtAnotherMoment(t *testing.T) {
	const n, k, rounds, detour, stepBy, poll = 1000, 8, 9, 2 * time.Millisecond, 2 * time.Millisecond, 16 * time.Second
	epoch := time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC)
	rack, bad, never := seq(40, 80), step(0, n, 4), -1
	// other is every fourth host from host 1, outside the rack.
	other := slices.DeleteFunc(step(1, n, 4), func(i int) bool { return slices.Contains(rack, i) })
	tests := []struct {
		reroute, step, other int
		// rackNamed says whether the rack's stepped hosts are named.
		rackNamed bool
	}{
		{reroute: 2, step: 3, other: never, rackNamed: true},
		{reroute: 2, step: 5, other: never, rackNamed: true},
		{reroute: 5, step: 2, other: never, rackNamed: true},
		{reroute: 2, step: 5, other: 2, rackNamed: true},
		{reroute: 3, step: 3, other: never, rackNamed: false},
		{reroute: 3, step: 3, other: 3, rackNamed: false},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("reroute at %d, step at %d, rack 10 steps at %d", tc.reroute, tc.step, tc.other), func(t *testing.T) {
			f := newFleet(n)
			h := NewHistory()
			named := map[int]int{}
			stepped := func(i, round int) bool {
				return round >= tc.step && slices.Contains(bad, i) || tc.other >= 0 && round >= tc.other && slices.Contains(other, i)
			}
			for round := range rounds {
				if round == tc.reroute {
					for _, i := range rack {
						f.group[i], f.uplink[i] = 1, detour
					}
				}
				for i := range n {
					if stepped(i, round) {
						f.offsets[i] = stepBy
						if slices.Contains(other, i) {
							f.offsets[i] = -stepBy
						}
					}
				}
				jitter := rand.New(rand.NewPCG(7, uint64(round)+2))
				edges := f.sample(k, rand.New(rand.NewPCG(7, 1)), jitter)
				for k, e := range edges {
					// Taken in the round, on the clock of the host that took it.
					at := time.Duration(round)*poll + time.Duration(jitter.Int64N(int64(poll)))
					edges[k].Taken = epoch.Add(at + f.offsets[hostIndex(t, e.From)])
				}
				for _, name := range h.Infer(edges, Config{}).Named() {
					i := hostIndex(t, name)
					if !stepped(i, round) {
						t.Errorf("round %d: healthy host %s named", round, name)
					}
					if _, ok := named[i]; !ok {
						named[i] = round
					}
				}
			}
			for i := range n {
				if !stepped(i, rounds) {
					continue
				}
				r, ok := named[i]
				inRack, from := slices.Contains(rack, i), tc.step
				if slices.Contains(other, i) {
					from = tc.other
				}
				switch {
				case !tc.rackNamed && inRack:
					if ok {
						t.Errorf("%s named at round %d: want the coincidence unidentifiable", hostName(i), r)
					}
				case !ok:
					t.Errorf("%s (in the rack: %v) never named", hostName(i), inRack)
				case r > from+2:
					t.Errorf("%s named at round %d, %d rounds after its step", hostName(i), r, r-from)
				}
			}
		})
	}
}

// hostIndex is the index of a host named by hostName.
func hostIndex(t *testing.T, name string) int {
	t.Helper()
	var i int
	if _, err := fmt.Sscanf(name, "host-%05d", &i); err != nil {
		t.Fatal(err)
	}
	return i
}

// TestHistoryCorrect follows one path through its measurements, each
// given as offset and round trip in µs, and checks what the last one is
// corrected to: its error is never below half the first route's round
// trip (100 µs).
func TestHistoryCorrect(t *testing.T) {
	us := time.Microsecond
	tests := []struct {
		name string
		// samples are offset, round trip pairs in µs.
		samples           [][2]time.Duration
		offset, errorUpTo time.Duration
	}{
		{"steady", [][2]time.Duration{{10, 100}, {12, 110}, {8, 105}}, 8 * us, 53 * us},
		{"a step moves the offset, not the round trip", [][2]time.Duration{{10, 100}, {12, 110}, {2012, 105}}, 2012 * us, 53 * us},
		{"a detour, first measured", [][2]time.Duration{{10, 100}, {12, 110}, {1012, 2110}}, 1012 * us, 1056 * us},
		{"a detour, confirmed", [][2]time.Duration{{10, 100}, {12, 110}, {1012, 2110}, {1010, 2105}}, 10 * us, 60 * us},
		{"a step after a detour", [][2]time.Duration{{10, 100}, {12, 110}, {1012, 2110}, {1010, 2105}, {3010, 2108}}, 2010 * us, 60 * us},
		{"a detour and a step between its two measurements", [][2]time.Duration{{10, 100}, {12, 110}, {1012, 2110}, {3010, 2105}}, 2010 * us, 60 * us},
		{"a spike is no detour", [][2]time.Duration{{10, 100}, {12, 110}, {600, 1400}, {11, 104}}, 11 * us, 53 * us},
		{"the share is at most half the detour", [][2]time.Duration{{10, 100}, {12, 110}, {3012, 2110}, {3010, 2105}}, 2000 * us, 60 * us},
		{"the first route again", [][2]time.Duration{{10, 100}, {12, 110}, {1012, 2110}, {1010, 2105}, {14, 102}, {9, 101}}, 9 * us, 51 * us},
		{"two detours between measurements", [][2]time.Duration{{10, 100}, {12, 110}, {1012, 2110}, {12, 4110}, {10, 4105}, {11, 4108}}, 11 * us, 60 * us},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := NewHistory()
			var got Edge
			for _, s := range tc.samples {
				e := Edge{From: "a", To: "b", Offset: s[0] * us, Error: s[1] * us / 2, Delay: s[1] * us}
				got = h.Correct([]Edge{e}, 0)[0]
			}
			if got.Offset != tc.offset || got.Error > tc.errorUpTo || got.Error < 50*us {
				t.Errorf("corrected to %v ± %v, want %v ± at most %v", got.Offset, got.Error, tc.offset, tc.errorUpTo)
			}
		})
	}
}

// TestHistoryForgets: a path not measured for forgetRounds rounds is
// forgotten, and the history stays as large as the paths measured.
func TestHistoryForgets(t *testing.T) {
	h := NewHistory()
	h.Correct([]Edge{{From: "a", To: "b", Error: 50 * time.Microsecond, Delay: 100 * time.Microsecond}}, 0)
	for range forgetRounds + 1 {
		h.Correct([]Edge{{From: "a", To: "c", Error: 50 * time.Microsecond, Delay: 100 * time.Microsecond}}, 0)
	}
	if _, ok := h.paths[route{"a", "b"}]; ok || len(h.paths) != 1 {
		t.Errorf("paths %v: want only a to c", h.paths)
	}
}

// fromA is host a's measurement of host to: offset and round trip in µs,
// the error half the round trip.
func fromA(to string, offset, delay time.Duration) Edge {
	us := time.Microsecond
	return Edge{From: "a", To: to, Offset: offset * us, Error: delay * us / 2, Delay: delay * us}
}

// reroutedHost returns a History in which host a's paths to its peers, old,
// changed route alike: 2 ms longer round trips and offsets 1 ms lower.
func reroutedHost() (*History, []string) {
	h := NewHistory()
	old := []string{"b", "c", "d", "e"}
	for _, s := range [][2]time.Duration{{10, 100}, {12, 110}, {-988, 2110}, {-990, 2105}} {
		var edges []Edge
		for _, to := range old {
			edges = append(edges, fromA(to, s[0], s[1]))
		}
		h.Correct(edges, 0)
	}
	return h, old
}

// TestHistorySeedsNewPaths: once most of a host's paths changed route
// alike, a path of it measured for the first time afterwards starts on
// the changed route, as though measured before the change, unless its
// round trip is shorter than the change added (a path within its rack).
func TestHistorySeedsNewPaths(t *testing.T) {
	us := time.Microsecond
	h, _ := reroutedHost()
	tests := []struct {
		name              string
		edge              Edge
		offset, errorUpTo time.Duration
	}{
		{"out of the rack", fromA("f", -985, 2120), 15 * us, 70 * us},
		{"within the rack", fromA("g", 7, 60), 7 * us, 30 * us},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			edges := []Edge{fromA("b", -989, 2108), tc.edge}
			got := h.Correct(edges, 0)[1]
			if got.Offset != tc.offset || got.Error > tc.errorUpTo {
				t.Errorf("corrected to %v ± %v, want %v ± at most %v", got.Offset, got.Error, tc.offset, tc.errorUpTo)
			}
		})
	}
}

// TestHistoryThroughRotatingPeers runs the staggered faults of a fleet
// whose agents rotate their peers, as ntp.PeerSample does (a quarter of
// each host's 8 peers replaced every rotateEvery rounds, each host at its
// own round): racks 1 and 10 (hosts 40-79, 400-439) have their uplinks
// detour 2 ms at rounds 2 and 4, and every fourth host steps 2 ms at round
// 30. By then every path out of the two racks was first measured on the
// detour; a history that
// corrected only the paths it saw change route would hold each rerouted
// host between its corrected paths and its uncorrected ones, and healthy
// hosts measuring it would look off. Every stepped host is named within 2
// rounds of its step, and no healthy host ever.
func TestHistoryThroughRotatingPeers(t *testing.T) {
	const n, k, rounds, stepAt, rotateEvery, poll = 1000, 8, 34, 30, 6, 16 * time.Second
	epoch := time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC)
	detours := map[int][]int{2: seq(40, 80), 4: seq(400, 440)}
	bad := step(0, n, 4)
	f := newFleet(n)
	peers := newRotation(n, k, rand.New(rand.NewPCG(3, 1)))
	h := NewHistory()
	named := map[int]int{}
	for round := range rounds {
		for _, i := range detours[round] {
			f.group[i], f.uplink[i] = round, 2*time.Millisecond
		}
		if round == stepAt {
			for _, i := range bad {
				f.offsets[i] = 2 * time.Millisecond
			}
		}
		jitter := rand.New(rand.NewPCG(3, uint64(round)+2))
		var edges []Edge
		for i := range n {
			for _, j := range peers.members[i] {
				e := f.exchange(i, j, jitter)
				at := time.Duration(round)*poll + time.Duration(jitter.Int64N(int64(poll)))
				e.Taken = epoch.Add(at + f.offsets[i])
				edges = append(edges, e)
			}
		}
		for _, name := range h.Infer(edges, Config{}).Named() {
			i := hostIndex(t, name)
			if round < stepAt || !slices.Contains(bad, i) {
				t.Errorf("round %d: healthy host %s named", round, name)
			}
			if _, ok := named[i]; !ok {
				named[i] = round
			}
		}
		peers.rotate(func(i int) bool { return (round+i)%rotateEvery == 0 })
	}
	for _, i := range bad {
		if r, ok := named[i]; !ok || r > stepAt+2 {
			t.Errorf("%s named at round %d (named: %v), want by round %d", hostName(i), r, ok, stepAt+2)
		}
	}
}

// rotation is every host's sample of peers, rotated as ntp.PeerSample
// rotates.
type rotation struct {
	members [][]int
	rng     *rand.Rand
}

func newRotation(n, k int, rng *rand.Rand) *rotation {
	r := &rotation{members: make([][]int, n), rng: rng}
	for i := range n {
		for len(r.members[i]) < k {
			r.members[i] = r.add(i, r.members[i])
		}
	}
	return r
}

// add appends to a host's peers one more, not the host itself nor one it
// has.
func (r *rotation) add(i int, peers []int) []int {
	for {
		j := r.rng.IntN(len(r.members))
		if j != i && !slices.Contains(peers, j) {
			return append(peers, j)
		}
	}
}

// rotate replaces a quarter of the peers of every host due, the oldest.
func (r *rotation) rotate(due func(host int) bool) {
	for i, peers := range r.members {
		if !due(i) {
			continue
		}
		kept := slices.Clone(peers[len(peers)/4:])
		for len(kept) < len(peers) {
			kept = r.add(i, kept)
		}
		r.members[i] = kept
	}
}

// TestHistoryKeepsATermWhenItsPeersAreNamed: a host whose paths are still
// rerouted keeps its route's share when most of the hosts it measures are
// named (behind a bad upstream server), and so its new paths still start
// on the changed route.
func TestHistoryKeepsATermWhenItsPeersAreNamed(t *testing.T) {
	us := time.Microsecond
	h, old := reroutedHost()
	h.named = map[string]bool{"b": true, "c": true, "d": true}
	var edges []Edge
	for _, to := range old {
		edges = append(edges, fromA(to, -989, 2108))
	}
	h.Correct(edges, 0)
	got := h.Correct(append(edges, fromA("f", -985, 2120)), 0)[len(edges)]
	if want := 15 * us; got.Offset != want || got.Error > 70*us {
		t.Errorf("new path corrected to %v ± %v, want %v ± at most 70µs", got.Offset, got.Error, want)
	}
}

// TestHistoryTermsOfTheHostsWhoseRouteChanged: a healthy host most of
// whose peers are in a rerouted rack has most of its paths rerouted, but
// its own route did not change: the rack's hosts' routes explain them
// (rack hosts r1-r5 measure o1-o4 and are measured by h; h and o1-o4
// measure g1-g6 too). Its paths into the rack are corrected by the rack's
// share, its others not at all.
func TestHistoryTermsOfTheHostsWhoseRouteChanged(t *testing.T) {
	us := time.Microsecond
	rack := []string{"r1", "r2", "r3", "r4", "r5"}
	measure := func(detour bool) []Edge {
		var edges []Edge
		add := func(from, to string, fromRack bool) {
			offset, delay := 10*us, 100*us
			if detour && fromRack {
				offset, delay = offset-1000*us, delay+2000*us
			}
			if detour && !fromRack && slices.Contains(rack, to) {
				offset, delay = offset+1000*us, delay+2000*us
			}
			edges = append(edges, Edge{From: from, To: to, Offset: offset, Error: delay / 2, Delay: delay})
		}
		for _, r := range rack {
			add("h", r, false)
			for _, o := range []string{"o1", "o2", "o3", "o4"} {
				add(r, o, true)
			}
		}
		for _, g := range []string{"g1", "g2", "g3"} {
			add("h", g, false)
		}
		for _, o := range []string{"o1", "o2", "o3", "o4"} {
			for _, g := range []string{"g1", "g2", "g3", "g4", "g5", "g6"} {
				add(o, g, false)
			}
		}
		return edges
	}
	h := NewHistory()
	for _, detour := range []bool{false, false, true, true, true} {
		h.Correct(measure(detour), 0)
	}
	if tm, ok := h.terms["h"]; ok {
		t.Errorf("healthy host h has a term %+v; want none", tm)
	}
	for _, e := range h.Correct(measure(true), 0) {
		if e.Offset != 10*us {
			t.Errorf("%s to %s corrected to %v, want 10µs", e.From, e.To, e.Offset)
		}
	}
}
