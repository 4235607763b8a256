package estimator

import (
	"encoding/binary"
	"math"
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
	})
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
