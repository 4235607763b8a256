package estimator

import (
	"encoding/binary"
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

// fuzzStream decodes a fuzzer's bytes into estimator calls.
type fuzzStream struct{ b []byte }

func (s *fuzzStream) done() bool { return len(s.b) == 0 }

func (s *fuzzStream) byte() byte {
	if len(s.b) == 0 {
		return 0
	}
	c := s.b[0]
	s.b = s.b[1:]
	return c
}

// int reads a signed varint; garbage reads as 0.
func (s *fuzzStream) int() int64 {
	v, n := binary.Varint(s.b)
	if n <= 0 {
		s.b = nil
		return 0
	}
	s.b = s.b[n:]
	return v
}

var fuzzSources = []SourceInfo{
	{Name: "a", Kind: KindNTP}, {Name: "b", Kind: KindNTP}, {Name: "c", Kind: KindNTP},
	{Name: "peer", Kind: KindPeer}, {Name: "phc", Kind: KindPHC},
}

// FuzzEstimator feeds random streams of samples, failures, stops, warm
// starts and estimates at random instants, and checks that the estimator
// never panics and never reports NaN, a negative bound or bound parts that
// do not add up.
func FuzzEstimator(f *testing.F) {
	f.Add([]byte{0, 0, 2, 100, 0, 0, 0, 0, 0, 0, 4, 0, 10})
	f.Add([]byte{0, 1, 2, 200, 1, 150, 9, 0, 0, 0, 0, 2, 2, 1, 3, 1, 0, 4, 4, 0})
	f.Add([]byte{5, 0, 3, 0, 0, 7, 255, 255, 255, 255, 255, 255, 255, 255, 255, 1, 0, 4, 255, 1})
	f.Fuzz(func(t *testing.T, data []byte) {
		e := New(Config{MaxSamples: 8, StaleAfter: time.Minute, HoldoverMax: 5 * time.Minute})
		e.SetSources(fuzzSources)
		s := &fuzzStream{b: data}
		now := epoch
		for !s.done() {
			switch s.byte() % 6 {
			case 0:
				src := fuzzSources[int(s.byte())%len(fuzzSources)].Name
				now = now.Add(time.Duration(s.int()) * time.Millisecond)
				e.Add(Sample{
					Source: src, Time: now, Offset: time.Duration(s.int()) * time.Microsecond,
					Delay: time.Duration(s.int()) * time.Microsecond, RootDelay: time.Duration(s.int()),
					RootDispersion: time.Duration(s.int()), Precision: time.Duration(s.int()),
				})
			case 1:
				e.Fail(fuzzSources[int(s.byte())%len(fuzzSources)].Name, "timeout")
			case 2:
				e.Stop(fuzzSources[int(s.byte())%len(fuzzSources)].Name, "kod")
			case 3:
				e.WarmStart(float64(s.int())*1e-9, float64(s.int())*1e-9)
			case 4:
				at := now.Add(time.Duration(s.int()) * time.Millisecond)
				checkEstimate(t, e.Estimate(at))
			case 5:
				e.SetSources(fuzzSources[:1+int(s.byte())%len(fuzzSources)])
			}
		}
		est := e.Estimate(now.Add(time.Second))
		checkEstimate(t, est)
		checkEstimate(t, est.At(now.Add(time.Hour)))
		checkDrift(t, e.measuredDrift())
	})
}

// checkDrift fails on an envelope drift that leaves the drift the
// intervals prove: the envelopes may only narrow it.
func checkDrift(t *testing.T, m driftMeasure) {
	t.Helper()
	if m.model == DriftModelEnvelope && (m.proven.intersect(m.region) != m.region || m.region.clamp(m.rate) != m.rate) {
		t.Fatalf("envelope drift %g in %v, outside the proven %v", m.rate, m.region, m.proven)
	}
}

// checkEstimate fails on an estimate that breaks the invariants sinks rely
// on.
func checkEstimate(t *testing.T, e Estimate) {
	t.Helper()
	if e.ErrorBound < 0 || math.IsNaN(e.Drift) || math.IsNaN(e.DriftBound) || e.DriftBound < 0 {
		t.Fatalf("bad estimate: bound %v drift %g ± %g", e.ErrorBound, e.Drift, e.DriftBound)
	}
	p := e.BoundParts
	if p.Measurement < 0 || p.RootDistance < 0 || p.DriftGrowth < 0 || p.Selection < 0 {
		t.Fatalf("negative bound part: %+v", p)
	}
	if sum := p.Measurement + p.RootDistance + p.DriftGrowth + p.Selection; e.HasOffset() && sum >= 0 && sum < UnknownBound/2 && sum != e.ErrorBound {
		t.Fatalf("bound parts %+v add up to %v, not the bound %v", p, sum, e.ErrorBound)
	}
	if e.HasOffset() && e.ErrorBound < UnknownBound/2 &&
		(e.OffsetMin > e.Offset || e.Offset > e.OffsetMax || e.OffsetMin < e.Offset-e.ErrorBound || e.OffsetMax > e.Offset+e.ErrorBound) {
		t.Fatalf("interval [%v, %v] not around %v within ±%v", e.OffsetMin, e.OffsetMax, e.Offset, e.ErrorBound)
	}
	if e.Synchronized && !e.HasOffset() {
		t.Fatalf("synchronized without an offset: %+v", e)
	}
	for _, s := range e.Sources {
		if s.ErrorBound < 0 {
			t.Fatalf("source %s: negative bound %v", s.Name, s.ErrorBound)
		}
	}
}

// FuzzEnvelopeDrift feeds three sources long enough for their one-way
// envelopes to be fitted, on paths whose delays, steps and garbage the
// fuzzer chooses, and checks after every sample that the estimator does
// not panic, that its estimates keep their invariants and that an
// envelope drift never leaves the drift the intervals prove.
func FuzzEnvelopeDrift(f *testing.F) {
	f.Add(uint64(1), int64(12000), int64(50000), uint8(0))
	f.Add(uint64(2), int64(-500000), int64(1), uint8(7))
	f.Add(uint64(3), int64(0), int64(1e9), uint8(255))
	f.Fuzz(func(t *testing.T, seed uint64, driftPPB, queue int64, garbage uint8) {
		rng := rand.New(rand.NewPCG(seed, 1))
		e := New(Config{})
		names := []string{"a", "b", "c"}
		var infos []SourceInfo
		for _, n := range names {
			infos = append(infos, SourceInfo{Name: n, Kind: KindNTP})
		}
		e.SetSources(infos)
		drift := float64(driftPPB%500000) * 1e-9
		for i := range 150 {
			at := epoch.Add(time.Duration(i) * time.Second)
			for _, n := range names {
				out := 100e3 + float64(queue%int64(time.Second))*rng.ExpFloat64()
				back := 100e3 + float64(queue%int64(time.Second))*rng.ExpFloat64()
				off := drift*float64(at.Sub(epoch)) + (back-out)/2
				if garbage > 0 && rng.IntN(256) < int(garbage) {
					off += float64(rng.Int64N(int64(time.Second))) - float64(time.Second/2)
				}
				e.Add(Sample{Source: n, Time: at, Offset: time.Duration(off), Delay: time.Duration(math.Abs(out + back))})
				checkDrift(t, e.measuredDrift())
			}
			checkEstimate(t, e.Estimate(at))
		}
	})
}
