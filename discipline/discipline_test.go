package discipline

import (
	"math"
	"testing"
	"time"

	"github.com/clockwatch/clockwatch/estimator"
)

// update is one estimate handed to the discipline, at a local time since
// testStart.
type update struct {
	after         time.Duration
	offset, bound time.Duration
	drift         float64
	status        estimator.Status
	samples       uint64
}

func synced(after, offset, bound time.Duration, drift float64, samples uint64) update {
	return update{after: after, offset: offset, bound: bound, drift: drift, status: estimator.StatusSynchronized, samples: samples}
}

// harness is a discipline on a fake clock and estimator.
type harness struct {
	clock *fakeClock
	est   *fakeEstimator
	time  *manualTime
	d     *Discipline
}

func newHarness(t *testing.T, cfg Config, kernel KernelState) *harness {
	t.Helper()
	h := &harness{clock: &fakeClock{state: kernel}, est: &fakeEstimator{}, time: &manualTime{now: testStart}}
	d, err := New(cfg, h.clock, h.est, h.time.read)
	if err != nil {
		t.Fatal(err)
	}
	h.d = d
	return h
}

// run hands the updates to the discipline and returns the last action.
func (h *harness) run(t *testing.T, updates []update) Action {
	t.Helper()
	var act Action
	for _, u := range updates {
		h.time.now = testStart.Add(u.after)
		h.est.set(u.offset, u.bound, u.drift, u.status, u.samples)
		var err error
		if act, err = h.d.Update(h.est.Estimate(h.time.now)); err != nil {
			t.Fatal(err)
		}
	}
	return act
}

func TestUpdate(t *testing.T) {
	const ms = time.Millisecond
	tests := []struct {
		name    string
		cfg     Config
		kernel  KernelState
		updates []update
		// want is the last action; wantFreq the kernel frequency at the
		// end (NaN: never set).
		want     Action
		wantFreq float64
	}{
		{
			name:     "steps a certain large offset, then corrects the drift",
			updates:  []update{synced(0, time.Second, ms, 0, 1)},
			want:     Action{Step: -time.Second},
			wantFreq: math.NaN(),
		},
		{
			name:     "slews an offset below the threshold at the slew time's rate",
			updates:  []update{synced(0, 20*ms, ms, 0, 1)},
			want:     Action{FrequencyChange: -250e-6, Frequency: -250e-6, Slew: 20 * ms, SlewFor: 80 * time.Second},
			wantFreq: -250e-6,
		},
		{
			name:     "slews a small offset over the slew time",
			updates:  []update{synced(0, 640*time.Microsecond, 100*time.Microsecond, 0, 1)},
			want:     Action{FrequencyChange: -10e-6, Frequency: -10e-6, Slew: 640 * time.Microsecond, SlewFor: 64 * time.Second},
			wantFreq: -10e-6,
		},
		{
			name:     "does not step an offset that may be below the threshold",
			cfg:      Config{MaxSlewRate: 100e-6},
			updates:  []update{synced(0, 200*ms, 100*ms, 0, 1)},
			want:     Action{FrequencyChange: -100e-6, Frequency: -100e-6, Slew: 200 * ms, SlewFor: 2000 * time.Second},
			wantFreq: -100e-6,
		},
		{
			name:     "slews instead of stepping after the step period",
			cfg:      Config{MaxSlewRate: 100e-6},
			updates:  []update{synced(0, 0, ms, 0, 1), synced(6*time.Minute, time.Second, ms, 0, 2)},
			want:     Action{FrequencyChange: -100e-6, Frequency: -100e-6, Slew: time.Second, SlewFor: 10000 * time.Second},
			wantFreq: -100e-6,
		},
		{
			name:     "steps after the step period when steps are allowed",
			cfg:      Config{AllowSteps: true},
			updates:  []update{synced(0, 0, ms, 0, 1), synced(6*time.Minute, time.Second, ms, 0, 2)},
			want:     Action{Step: -time.Second},
			wantFreq: math.NaN(),
		},
		{
			name:     "corrects the drift by at most the change limit",
			kernel:   KernelState{Frequency: 30e-6},
			updates:  []update{synced(0, 0, ms, 100e-6, 1)},
			want:     Action{FrequencyChange: -20e-6, Frequency: 10e-6},
			wantFreq: 10e-6,
		},
		{
			name:     "keeps the frequency within the kernel's limit",
			kernel:   KernelState{Frequency: -490e-6},
			updates:  []update{synced(0, ms, ms, 15e-6, 1)},
			want:     Action{FrequencyChange: -10e-6, Frequency: -500e-6},
			wantFreq: -500e-6,
		},
		{
			name:     "holds in holdover",
			kernel:   KernelState{Frequency: -50e-6},
			updates:  []update{{offset: 50 * ms, bound: 60 * ms, drift: 3e-6, status: estimator.StatusHoldover, samples: 9}},
			wantFreq: math.NaN(),
		},
		{
			name:     "does nothing without a new sample",
			updates:  []update{synced(0, 0, ms, 0, 1), synced(time.Second, 5*ms, ms, 5e-6, 1)},
			wantFreq: math.NaN(),
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, tc.cfg, tc.kernel)
			got := h.run(t, tc.updates)
			if got.Step != tc.want.Step || got.Slew != tc.want.Slew || got.SlewFor != tc.want.SlewFor ||
				!near(got.FrequencyChange, tc.want.FrequencyChange) || !near(got.Frequency, tc.want.Frequency) {
				t.Errorf("action %+v, want %+v", got, tc.want)
			}
			if last := lastFrequency(h.clock); !(near(last, tc.wantFreq) || math.IsNaN(last) && math.IsNaN(tc.wantFreq)) {
				t.Errorf("kernel frequency set to %g, want %g", last, tc.wantFreq)
			}
		})
	}
}

// near compares frequencies to within a rounding error.
func near(a, b float64) bool { return math.Abs(a-b) < 1e-12 }

// lastFrequency is the last frequency set, NaN if none was.
func lastFrequency(c *fakeClock) float64 {
	if len(c.freqs) == 0 {
		return math.NaN()
	}
	return c.freqs[len(c.freqs)-1]
}

func TestEveryChangeIsToldToTheEstimator(t *testing.T) {
	h := newHarness(t, Config{}, KernelState{Frequency: 12e-6})
	h.run(t, []update{
		synced(0, -time.Second, time.Millisecond, 40e-6, 1),
		synced(time.Minute, 3*time.Millisecond, 100*time.Microsecond, -2e-6, 2),
	})
	var phase time.Duration
	freq := 12e-6
	for _, a := range h.est.adjustments {
		phase += a.phase
		freq += a.freq
	}
	var stepped time.Duration
	for _, s := range h.clock.steps {
		stepped += s
	}
	if phase != stepped || !near(freq, lastFrequency(h.clock)) {
		t.Fatalf("estimator told of steps %v and frequency %g; clock stepped %v, frequency %g", phase, freq, stepped, lastFrequency(h.clock))
	}
	if len(h.clock.steps) != 1 || h.clock.steps[0] != time.Second {
		t.Fatalf("steps %v, want one of 1s", h.clock.steps)
	}
}

func TestSlewEndsOnItsOwn(t *testing.T) {
	h := newHarness(t, Config{}, KernelState{Frequency: -50e-6})
	h.run(t, []update{synced(0, 640*time.Microsecond, 100*time.Microsecond, 0, 1)})
	if got := lastFrequency(h.clock); !near(got, -60e-6) {
		t.Fatalf("frequency while slewing %g, want -60e-6", got)
	}
	for _, after := range []time.Duration{time.Minute, 65 * time.Second} {
		h.time.now = testStart.Add(after)
		if _, err := h.d.Update(h.est.Estimate(h.time.now)); err != nil {
			t.Fatal(err)
		}
	}
	if got := lastFrequency(h.clock); !near(got, -50e-6) {
		t.Fatalf("frequency after the slew %g, want the drift correction -50e-6", got)
	}
	last := h.est.adjustments[len(h.est.adjustments)-1]
	if !near(last.freq, 10e-6) || !last.at.Equal(testStart.Add(65*time.Second)) {
		t.Fatalf("end of slew told as %+v, want +10e-6 at 65s", last)
	}
}

func TestKernelSyncStatus(t *testing.T) {
	tests := []struct {
		name    string
		updates []update
		want    SyncState
	}{
		{
			name:    "synchronized",
			updates: []update{synced(0, 30*time.Microsecond, 100*time.Microsecond, 0, 1)},
			want:    SyncState{Synchronized: true, MaxError: 130 * time.Microsecond, EstError: 100 * time.Microsecond},
		},
		{
			name:    "holdover stays synchronized with the growing bound",
			updates: []update{{offset: -time.Millisecond, bound: 4 * time.Millisecond, status: estimator.StatusHoldover, samples: 3}},
			want:    SyncState{Synchronized: true, MaxError: 5 * time.Millisecond, EstError: 4 * time.Millisecond},
		},
		{
			name:    "unsynchronized",
			updates: []update{{offset: time.Millisecond, bound: time.Millisecond, status: estimator.StatusUnsynchronized, samples: 3}},
			want:    SyncState{MaxError: 2 * time.Millisecond, EstError: time.Millisecond},
		},
		{
			name:    "nothing known",
			updates: []update{{bound: estimator.UnknownBound, status: estimator.StatusUnsynchronized}},
			want:    SyncState{MaxError: MaxKernelError, EstError: MaxKernelError},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, Config{}, KernelState{})
			h.run(t, tc.updates)
			if n := len(h.clock.syncs); n == 0 || h.clock.syncs[n-1] != tc.want {
				t.Fatalf("kernel told %+v, want %+v last", h.clock.syncs, tc.want)
			}
		})
	}
}

func TestKernelSyncIsRateLimited(t *testing.T) {
	h := newHarness(t, Config{}, KernelState{})
	hold := func(after time.Duration) update {
		return update{after: after, offset: time.Millisecond, bound: time.Millisecond, status: estimator.StatusHoldover, samples: 1}
	}
	h.run(t, []update{hold(0), hold(100 * time.Millisecond), hold(900 * time.Millisecond), hold(time.Second), hold(-time.Second)})
	if got := len(h.clock.syncs); got != 3 {
		t.Fatalf("kernel status set %d times, want 3 (start, after 1s, after the clock went back)", got)
	}
}

func TestReleaseHandsTheClockBack(t *testing.T) {
	h := newHarness(t, Config{}, KernelState{Frequency: -50e-6})
	h.run(t, []update{synced(0, time.Millisecond, 100*time.Microsecond, 0, 1)})
	if err := h.d.Release(); err != nil {
		t.Fatal(err)
	}
	if got := lastFrequency(h.clock); !near(got, -50e-6) {
		t.Fatalf("frequency left at %g, want the drift correction -50e-6", got)
	}
	if last := h.clock.syncs[len(h.clock.syncs)-1]; last.Synchronized || last.MaxError != MaxKernelError {
		t.Fatalf("kernel left with %+v, want unsynchronized", last)
	}
}

func TestFailedChangeIsNotToldToTheEstimator(t *testing.T) {
	h := newHarness(t, Config{}, KernelState{})
	h.clock.fail = true
	h.est.set(time.Second, time.Millisecond, 0, estimator.StatusSynchronized, 1)
	if _, err := h.d.Update(h.est.Estimate(testStart)); err == nil {
		t.Fatal("Update succeeded on a clock that refuses changes")
	}
	if len(h.est.adjustments) != 0 {
		t.Fatalf("estimator told of changes that failed: %+v", h.est.adjustments)
	}
}

func TestStats(t *testing.T) {
	h := newHarness(t, Config{}, KernelState{Frequency: -50e-6})
	h.run(t, []update{synced(0, time.Second, time.Millisecond, 0, 1), synced(time.Second, 640*time.Microsecond, 100*time.Microsecond, 0, 2)})
	got := h.d.Stats()
	want := Stats{Updates: 2, Steps: 1, Frequency: -60e-6, SlewRate: -10e-6}
	if got.Updates != want.Updates || got.Steps != want.Steps || !near(got.Frequency, want.Frequency) || !near(got.SlewRate, want.SlewRate) {
		t.Fatalf("stats %+v, want %+v", got, want)
	}
}

func TestConfigValidation(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		ok   bool
	}{
		{name: "defaults", ok: true},
		{name: "negative threshold", cfg: Config{StepThreshold: -time.Second}},
		{name: "negative slew time", cfg: Config{SlewTime: -time.Second}},
		{name: "frequency beyond the kernel", cfg: Config{MaxFrequency: 1e-3}},
		{name: "NaN slew rate", cfg: Config{MaxSlewRate: math.NaN()}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := New(tc.cfg, &fakeClock{}, &fakeEstimator{}, time.Now)
			if (err == nil) != tc.ok {
				t.Fatalf("New: %v, want ok %v", err, tc.ok)
			}
		})
	}
}
