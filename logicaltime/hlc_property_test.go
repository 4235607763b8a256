package logicaltime

import (
	"math/rand/v2"
	"testing"
	"time"
)

// The simulation runs nodes whose clocks are skewed against true time and
// step now and then, lets them exchange messages in random order and checks
// the guarantees of an HLC on every event.

// simNode is one simulated host: its clock, its HLC and its vector clock.
type simNode struct {
	clock  ManualClock
	offset time.Duration // clock − true time
	hlc    *HLC
	vector []int
	issued []Timestamp
}

// simMessage is a message in flight.
type simMessage struct {
	to     int
	stamp  Timestamp
	vector []int
}

// simEvent is an event that got a timestamp.
type simEvent struct {
	node     int
	stamp    Timestamp
	vector   []int
	physical int64 // the node's clock reading at the event
	maxSeen  int64 // the largest clock reading of any node so far
}

// simConfig shapes one simulation.
type simConfig struct {
	nodes       int
	events      int
	skew        time.Duration // |clock offset| within one step
	maxOffset   time.Duration
	stepChance  float64 // per event: the node's clock steps within skew
	leapChance  float64 // per event: the node's clock leaps ±leap
	leap        time.Duration
	maxAdvance  time.Duration // true time advances up to this per event
	sendChance  float64
	recvChance  float64
	maxInFlight int
}

// happenedBefore reports whether e happened before f (or is f).
func happenedBefore(e, f simEvent) bool { return e.vector[e.node] <= f.vector[e.node] }

// simulate runs one seeded simulation and returns its events.
func simulate(seed uint64, cfg simConfig) (events []simEvent, rejected int) {
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	trueTime := at(0, 0)
	nodes := make([]*simNode, cfg.nodes)
	for i := range nodes {
		n := &simNode{vector: make([]int, cfg.nodes)}
		n.offset = time.Duration(rng.Int64N(int64(2*cfg.skew+1))) - cfg.skew
		n.hlc = NewHLC(WithPhysicalClock(n.clock.Now), WithMaxOffset(cfg.maxOffset))
		nodes[i] = n
	}
	var inFlight []simMessage
	maxSeen := int64(0)
	for len(events) < cfg.events {
		trueTime += rng.Int64N(int64(cfg.maxAdvance) + 1)
		i := rng.IntN(cfg.nodes)
		n := nodes[i]
		switch r := rng.Float64(); {
		case r < cfg.leapChance:
			n.offset = cfg.leap * time.Duration(1-2*rng.IntN(2))
		case r < cfg.leapChance+cfg.stepChance:
			n.offset = time.Duration(rng.Int64N(int64(2*cfg.skew+1))) - cfg.skew
		}
		reading := max(trueTime+int64(n.offset), 0)
		n.clock.Set(time.Unix(0, reading))
		maxSeen = max(maxSeen, reading)

		var ts Timestamp
		var received *simMessage
		if k := pickMessage(rng, inFlight, i); k >= 0 && rng.Float64() < cfg.recvChance {
			received = &inFlight[k]
			var err error
			if ts, err = n.hlc.Update(received.stamp); err != nil {
				rejected++
				inFlight = append(inFlight[:k], inFlight[k+1:]...)
				continue
			}
			for j, v := range received.vector {
				n.vector[j] = max(n.vector[j], v)
			}
			inFlight = append(inFlight[:k], inFlight[k+1:]...)
		} else {
			ts = n.hlc.Now()
		}
		n.vector[i]++
		vector := append([]int(nil), n.vector...)
		n.issued = append(n.issued, ts)
		events = append(events, simEvent{node: i, stamp: ts, vector: vector, physical: reading, maxSeen: maxSeen})
		if rng.Float64() < cfg.sendChance && len(inFlight) < cfg.maxInFlight {
			inFlight = append(inFlight, simMessage{to: rng.IntN(cfg.nodes), stamp: ts, vector: vector})
		}
	}
	return events, rejected
}

// pickMessage returns the index of a random message to node, or -1.
func pickMessage(rng *rand.Rand, inFlight []simMessage, node int) int {
	var candidates []int
	for k, m := range inFlight {
		if m.to == node {
			candidates = append(candidates, k)
		}
	}
	if len(candidates) == 0 {
		return -1
	}
	return candidates[rng.IntN(len(candidates))]
}

func TestHLCProperties(t *testing.T) {
	configs := []struct {
		name string
		cfg  simConfig
		// wantRejections: leaps beyond the max offset must be refused.
		wantRejections bool
	}{
		{name: "skewed clocks, many events per tick", cfg: simConfig{
			nodes: 5, events: 1000, skew: time.Millisecond, maxOffset: 10 * time.Millisecond,
			stepChance: 0.01, maxAdvance: 2 * time.Microsecond, sendChance: 0.5, recvChance: 0.6, maxInFlight: 50,
		}},
		{name: "stepping clocks, sparse events", cfg: simConfig{
			nodes: 4, events: 1000, skew: 50 * time.Millisecond, maxOffset: 200 * time.Millisecond,
			stepChance: 0.05, maxAdvance: 5 * time.Millisecond, sendChance: 0.3, recvChance: 0.5, maxInFlight: 20,
		}},
		{name: "clocks leaping a second back and forth", cfg: simConfig{
			nodes: 3, events: 1000, skew: time.Millisecond, maxOffset: 10 * time.Millisecond,
			stepChance: 0.05, leapChance: 0.01, leap: time.Second, maxAdvance: 100 * time.Microsecond,
			sendChance: 0.5, recvChance: 0.7, maxInFlight: 30,
		}, wantRejections: true},
	}
	for _, tc := range configs {
		t.Run(tc.name, func(t *testing.T) {
			rejectedTotal := 0
			for seed := range uint64(6) {
				events, rejected := simulate(seed, tc.cfg)
				rejectedTotal += rejected
				checkSimulation(t, seed, events)
			}
			if tc.wantRejections && rejectedTotal == 0 {
				t.Error("no update was rejected although clocks leaped beyond the max offset")
			}
		})
	}
}

// checkSimulation checks the HLC guarantees on the events of one run.
func checkSimulation(t *testing.T, seed uint64, events []simEvent) {
	t.Helper()
	last := map[int]Timestamp{}
	for k, f := range events {
		if prev, ok := last[f.node]; ok && !prev.Before(f.stamp) {
			t.Fatalf("seed %d event %d: node %d issued %v after %v: not increasing, so not unique", seed, k, f.node, f.stamp, prev)
		}
		last[f.node] = f.stamp
		physical := int64(f.stamp.physicalNanos())
		if physical < f.physical&^logicalMask || physical > f.maxSeen {
			t.Fatalf("seed %d event %d: physical part %d outside [own clock %d, largest clock %d]", seed, k, physical, f.physical, f.maxSeen)
		}
		sameTick := 0
		for _, e := range events[:k] {
			if happenedBefore(e, f) {
				if !e.stamp.Before(f.stamp) {
					t.Fatalf("seed %d: event %v happened before %v but is not ordered before it", seed, e.stamp, f.stamp)
				}
				if e.stamp.physicalNanos() == f.stamp.physicalNanos() {
					sameTick++
				}
			}
		}
		// Kulkarni et al., theorem 3: the counter is at most the number of
		// events that happened before with the same physical part.
		if int(f.stamp.Logical()) > sameTick {
			t.Fatalf("seed %d event %d: counter %d exceeds the %d events before it in its tick", seed, k, f.stamp.Logical(), sameTick)
		}
	}
}
