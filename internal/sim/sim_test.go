package sim

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/clockwatch/clockwatch/estimator"
)

func TestPollComputesSampleFromTimestamps(t *testing.T) {
	ms := time.Millisecond
	tests := []struct {
		name       string
		local      LocalClock
		server     Server
		reference  []Step
		wantOffset time.Duration
		wantDelay  time.Duration
	}{
		{name: "symmetric", local: LocalClock{Offset: 5 * ms}, server: Server{Path: Path{Delay: ms}}, wantOffset: 5 * ms, wantDelay: ms},
		{name: "outbound quarter", local: LocalClock{Offset: 5 * ms}, server: Server{Path: Path{Delay: ms, Outbound: 0.25}}, wantOffset: 5*ms + 250*time.Microsecond, wantDelay: ms},
		{name: "falseticker", local: LocalClock{Offset: 5 * ms}, server: Server{Error: 2 * ms, Path: Path{Delay: ms}}, wantOffset: 3 * ms, wantDelay: ms},
		{name: "processing excluded", local: LocalClock{Offset: -ms}, server: Server{Processing: 40 * time.Microsecond, Path: Path{Delay: 2 * ms}}, wantOffset: -ms, wantDelay: 2 * ms},
		{name: "reference stepped", local: LocalClock{}, server: Server{Path: Path{Delay: ms}}, reference: []Step{{At: 0, By: 30 * ms}}, wantOffset: -30 * ms, wantDelay: ms},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.server.Name = "s"
			w := &world{epoch: Epoch, local: newLocalClock(tc.local, rand.New(rand.NewPCG(1, 1))), reference: tc.reference, timeout: time.Second}
			x := w.poll(&tc.server, time.Minute, rand.New(rand.NewPCG(1, 2)))
			if x.obs.Result != estimator.ResultOK {
				t.Fatalf("result %q", x.obs.Result)
			}
			s := x.obs.Sample
			if s.Offset != tc.wantOffset || s.Delay != tc.wantDelay {
				t.Errorf("offset %v delay %v, want %v %v", s.Offset, s.Delay, tc.wantOffset, tc.wantDelay)
			}
			if err := s.Validate(); err != nil {
				t.Error(err)
			}
		})
	}
}

func TestPollFailures(t *testing.T) {
	tests := []struct {
		name   string
		server Server
		sc     world
	}{
		{name: "server outage", server: Server{Outages: []Window{{From: 0, To: time.Hour}}}},
		{name: "global outage", sc: world{outages: []Window{{From: 0, To: time.Hour}}}},
		{name: "lost", server: Server{Path: Path{Loss: 1}}},
		{name: "slower than timeout", server: Server{Path: Path{Delay: 3 * time.Second}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := tc.sc
			w.local, w.timeout = newLocalClock(LocalClock{}, rand.New(rand.NewPCG(1, 1))), time.Second
			x := w.poll(&tc.server, time.Minute, rand.New(rand.NewPCG(1, 2)))
			if x.obs.Result != "timeout" || x.ready != time.Minute+time.Second {
				t.Errorf("got %q ready at %v, want a timeout after 1s", x.obs.Result, x.ready)
			}
		})
	}
}

func TestLocalClock(t *testing.T) {
	tests := []struct {
		name  string
		clock LocalClock
		at    time.Duration
		want  float64
	}{
		{name: "offset", clock: LocalClock{Offset: time.Millisecond}, at: time.Hour, want: 1e6},
		{name: "drift", clock: LocalClock{Drift: 10e-6}, at: 100 * time.Second, want: 1e6},
		{name: "before step", clock: LocalClock{Steps: []Step{{At: time.Minute, By: time.Second}}}, at: time.Minute - 1, want: 0},
		{name: "after step", clock: LocalClock{Steps: []Step{{At: time.Minute, By: time.Second}}}, at: time.Minute, want: 1e9},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := newLocalClock(tc.clock, rand.New(rand.NewPCG(1, 1)))
			if got := c.offsetAt(tc.at); math.Abs(got-tc.want) > 1e-3 {
				t.Errorf("offset at %v = %g ns, want %g", tc.at, got, tc.want)
			}
		})
	}
}

func TestWanderIsRandomWalkOfFrequency(t *testing.T) {
	const wander = 1e-9
	c := newLocalClock(LocalClock{Wander: wander}, rand.New(rand.NewPCG(3, 4)))
	c.offsetAt(10000 * time.Second)
	var sum float64
	for k := 1; k < len(c.freqs); k++ {
		d := c.freqs[k] - c.freqs[k-1]
		sum += d * d
	}
	got := math.Sqrt(sum / float64(len(c.freqs)-1))
	if math.Abs(got-wander)/wander > 0.05 {
		t.Errorf("frequency steps have RMS %g, want %g", got, wander)
	}
	// Reading an earlier instant after a later one gives the same path.
	first := c.offsetAt(5000*time.Second + 300*time.Millisecond)
	c.offsetAt(20000 * time.Second)
	if again := c.offsetAt(5000*time.Second + 300*time.Millisecond); again != first {
		t.Errorf("offset changed from %g to %g on a second reading", first, again)
	}
}

func TestQuantile(t *testing.T) {
	sorted := []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}
	tests := []struct {
		q    float64
		want float64
	}{{0.5, 5}, {0.95, 10}, {0.1, 1}, {0, 1}, {1, 10}}
	for _, tc := range tests {
		if got := quantile(sorted, tc.q); got != tc.want {
			t.Errorf("quantile(%g) = %g, want %g", tc.q, got, tc.want)
		}
	}
}

func TestScorer(t *testing.T) {
	sc := newScorer([]time.Duration{10 * time.Second}, 0, nil)
	est := func(off, bound time.Duration, steps uint64) estimator.Estimate {
		return estimator.Estimate{Offset: off, ErrorBound: bound, Steps: steps, Synchronized: true,
			OffsetMin: off - bound, OffsetMax: off + bound/2}
	}
	for _, p := range []Point{
		{At: time.Second, Estimate: estimator.Estimate{ErrorBound: estimator.UnknownBound}},
		{At: 2 * time.Second, Truth: 0, Estimate: est(time.Microsecond, 2*time.Microsecond, 0)},
		{At: 3 * time.Second, Truth: 0, Estimate: est(3*time.Microsecond, 2*time.Microsecond, 0)},
		{At: 10 * time.Second, Truth: time.Millisecond, Estimate: est(0, time.Microsecond, 0), Blind: true},
		{At: 12 * time.Second, Truth: time.Millisecond, Estimate: est(time.Millisecond, time.Microsecond, 1)},
	} {
		sc.add(p)
	}
	s := sc.result()
	// At 2 s the truth is 1 µs below the offset, in [−1 µs, 2 µs]; at
	// 12 s it equals the offset; at 3 s it is 3 µs below, outside both.
	if s.Scored != 3 || s.Unknown != 1 || s.Blind != 1 || s.Covered != 2 || s.InInterval != 2 {
		t.Errorf("counts: %+v", s)
	}
	if want := (3*time.Microsecond + 3*time.Microsecond + 1500*time.Nanosecond) / 2 / 3; s.MeanHalfWidth != want {
		t.Errorf("mean half-width %v, want %v", s.MeanHalfWidth, want)
	}
	if s.Max != 3*time.Microsecond || s.Median != time.Microsecond || s.FirstCovered != 2*time.Second {
		t.Errorf("stats: %+v", s)
	}
	if len(s.StepLatencies) != 1 || s.StepLatencies[0] != 2*time.Second || s.Steps != 1 {
		t.Errorf("steps: %v latencies %v", s.Steps, s.StepLatencies)
	}
}

func TestRunIsDeterministic(t *testing.T) {
	sc, _ := Find(10*time.Minute, WANStep)
	a, err := Run(sc, 7, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Run(sc, 7, nil)
	if err != nil {
		t.Fatal(err)
	}
	c, err := Run(sc, 8, nil)
	if err != nil {
		t.Fatal(err)
	}
	if a.String() != b.String() {
		t.Errorf("same seed, different runs:\n%v\n%v", a, b)
	}
	if a.String() == c.String() {
		t.Errorf("different seeds gave the same run: %v", a)
	}
}
