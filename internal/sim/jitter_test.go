package sim

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

func TestJitterMeans(t *testing.T) {
	tests := []struct {
		name   string
		jitter Jitter
		want   time.Duration
	}{
		{name: "none", jitter: Jitter{Mean: time.Millisecond}, want: 0},
		{name: "exponential", jitter: Jitter{Kind: Exponential, Mean: 100 * time.Microsecond}, want: 100 * time.Microsecond},
		{name: "pareto", jitter: Jitter{Kind: Pareto, Mean: 100 * time.Microsecond, Shape: 2.5}, want: 100 * time.Microsecond},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(5, 6))
			const n = 200000
			var sum float64
			for range n {
				d := tc.jitter.Draw(rng)
				if d < 0 || d > MaxJitter {
					t.Fatalf("jitter %v outside [0, %v]", d, MaxJitter)
				}
				sum += float64(d)
			}
			if mean := sum / n; math.Abs(mean-float64(tc.want)) > 0.05*float64(tc.want) {
				t.Errorf("mean %v, want %v", time.Duration(mean), tc.want)
			}
		})
	}
}

func TestParetoHasAHeavyTail(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	exp, pareto := Jitter{Kind: Exponential, Mean: time.Millisecond}, Jitter{Kind: Pareto, Mean: time.Millisecond}
	var expFar, paretoFar int
	for range 100000 {
		if exp.Draw(rng) > 20*time.Millisecond {
			expFar++
		}
		if pareto.Draw(rng) > 20*time.Millisecond {
			paretoFar++
		}
	}
	if paretoFar < 100*max(expFar, 1) {
		t.Errorf("beyond 20× the mean: pareto %d, exponential %d draws; want a much heavier tail", paretoFar, expFar)
	}
}
