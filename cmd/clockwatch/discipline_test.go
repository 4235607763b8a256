package main

import (
	"bytes"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/clockwatch/clockwatch/discipline"
	"github.com/clockwatch/clockwatch/estimator"
)

// fakeSystemClock is a kernel clock for the tests: stepping it moves the
// local time the agent reads. It never touches the real clock.
type fakeSystemClock struct {
	now   time.Time
	state discipline.KernelState
	steps []time.Duration
}

func (c *fakeSystemClock) read() time.Time                        { return c.now }
func (c *fakeSystemClock) State() (discipline.KernelState, error) { return c.state, nil }
func (c *fakeSystemClock) SetFrequency(f float64) error           { c.state.Frequency = f; return nil }
func (c *fakeSystemClock) SetSync(discipline.SyncState) error     { return nil }
func (c *fakeSystemClock) Step(d time.Duration) error {
	c.now = c.now.Add(d)
	c.steps = append(c.steps, d)
	return nil
}

func TestSinksSeeTheSteppedClock(t *testing.T) {
	clock := &fakeSystemClock{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	logger := slog.New(slog.DiscardHandler)
	a := newAgent(logger, clock.read, estimator.Config{})
	a.est.SetSources([]estimator.SourceInfo{{Name: "s", Kind: estimator.KindNTP}})
	var seen []estimator.Estimate
	a.publishers = append(a.publishers, func(e estimator.Estimate) { seen = append(seen, e) })
	d, err := discipline.New(discipline.Config{}, clock, a.est, a.clock)
	if err != nil {
		t.Fatal(err)
	}
	steerBeforePublishing(a, d, logger)

	a.observe(estimator.Observation{Source: "s", Result: estimator.ResultOK, Sample: estimator.Sample{
		Source: "s", Time: clock.now, Offset: time.Second, Delay: time.Millisecond, Stratum: 1,
	}})
	if len(clock.steps) != 1 || clock.steps[0] != -time.Second {
		t.Fatalf("clock steps %v, want one of -1s", clock.steps)
	}
	for name, e := range map[string]estimator.Estimate{"sink": seen[len(seen)-1], "latest": a.current()} {
		if e.Offset.Abs() > e.ErrorBound || !e.Time.Equal(clock.now) {
			t.Errorf("%s got offset %v ± %v at %v, want the residual about 0 on the stepped clock at %v", name, e.Offset, e.ErrorBound, e.Time, clock.now)
		}
	}
}

func TestStartDisciplineRefuses(t *testing.T) {
	tests := []struct {
		name  string
		flags disciplineFlags
		shift time.Duration
		want  string
	}{
		{name: "with a pretended clock shift", flags: disciplineFlags{enabled: true}, shift: time.Second, want: "--test.clock-shift"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := newAgent(slog.New(slog.DiscardHandler), time.Now, estimator.Config{})
			_, _, err := startDiscipline(&tc.flags, a, config{pollInterval: 16 * time.Second}, tc.shift, slog.New(slog.DiscardHandler))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("startDiscipline: %v, want an error about %s", err, tc.want)
			}
			if len(a.publishers) != 0 {
				t.Fatal("a refused discipline was installed")
			}
		})
	}
}

func TestDisciplineOffByDefault(t *testing.T) {
	a := newAgent(slog.New(slog.DiscardHandler), time.Now, estimator.Config{})
	collectors, release, err := startDiscipline(&disciplineFlags{}, a, config{}, 0, slog.New(slog.DiscardHandler))
	if err != nil || len(collectors) != 0 || len(a.publishers) != 0 {
		t.Fatalf("discipline started without --discipline: %v, %d collectors", err, len(collectors))
	}
	release()
}

func TestRefuseIfSteered(t *testing.T) {
	steered := &fakeSystemClock{state: discipline.KernelState{Status: discipline.StatusPLL}}
	tests := []struct {
		name    string
		force   bool
		wantErr bool
		wantLog string
	}{
		{name: "refuses", wantErr: true},
		{name: "forced, warns", force: true, wantLog: "--discipline.force"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var log bytes.Buffer
			err := refuseIfSteered(steered, tc.force, slog.New(slog.NewTextHandler(&log, nil)))
			if errors.Is(err, discipline.ErrSteered) != tc.wantErr {
				t.Fatalf("refuseIfSteered: %v, want refusal %v", err, tc.wantErr)
			}
			if !strings.Contains(log.String(), tc.wantLog) {
				t.Fatalf("log %q lacks %q", log.String(), tc.wantLog)
			}
		})
	}
}
