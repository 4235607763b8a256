package agent

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/clockwatch/clockwatch/discipline"
	"github.com/clockwatch/clockwatch/estimator"
	"github.com/clockwatch/clockwatch/internal/localclock"
	"github.com/clockwatch/clockwatch/ntp"
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

// TestSinksSeeTheSteppedClock: the steering sees the estimate first; when
// it steps the clock, the sinks and readers get the estimate of the clock
// as it is after the step, never an old offset with the new clock.
func TestSinksSeeTheSteppedClock(t *testing.T) {
	clock := &fakeSystemClock{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	logger := slog.New(slog.DiscardHandler)
	est := estimator.New(estimator.Config{})
	d, err := discipline.New(discipline.Config{}, clock, est, clock.read)
	if err != nil {
		t.Fatal(err)
	}
	sink := &recordingSink{}
	a := New(clock.read, est, Sources{}, &disciplineSteering{d: d, logger: logger}, []Sink{sink}, nil, logger)
	est.SetSources([]estimator.SourceInfo{{Name: "s", Kind: estimator.KindNTP}})

	a.observe(estimator.Observation{Source: "s", Result: estimator.ResultOK, Sample: estimator.Sample{
		Source: "s", Time: clock.now, Offset: time.Second, Delay: time.Millisecond, Stratum: 1,
	}})
	if len(clock.steps) != 1 || clock.steps[0] != -time.Second {
		t.Fatalf("clock steps %v, want one of -1s", clock.steps)
	}
	for name, e := range map[string]estimator.Estimate{"sink": sink.published[len(sink.published)-1], "current": a.Current()} {
		if e.Offset.Abs() > e.ErrorBound || !e.Time.Equal(clock.now) {
			t.Errorf("%s got offset %v ± %v at %v, want the residual about 0 on the stepped clock at %v", name, e.Offset, e.ErrorBound, e.Time, clock.now)
		}
	}
}

// TestDisciplineNeedsTheSystemClock: an agent on another local clock (a
// test's shifted one) must not steer the real clock by a pretended offset.
func TestDisciplineNeedsTheSystemClock(t *testing.T) {
	_, err := Start(context.Background(), Options{
		Config: Config{NTPServers: []string{"192.0.2.1"}, PollInterval: 16 * time.Second, HoldoverMax: time.Minute,
			Limits: ntp.Limits{MaxDelay: ntp.DefaultMaxDelay, MaxDistance: ntp.DefaultMaxDistance}, Peers: DefaultPeers()},
		Clock:      localclock.Shifted(time.Second),
		Discipline: DisciplineConfig{Enabled: true},
		Logger:     slog.New(slog.DiscardHandler),
	})
	if !errors.Is(err, errDisciplineOffSystem) {
		t.Fatalf("Start: %v, want %v", err, errDisciplineOffSystem)
	}
}

func TestMeasureOnlyByDefault(t *testing.T) {
	s, err := newSteering(DisciplineConfig{}, localclock.System, true, &fakeSystemClock{}, estimator.New(estimator.Config{}), time.Second, slog.New(slog.DiscardHandler))
	if err != nil || s.Steering != (MeasureOnly{}) || len(s.metrics) != 0 {
		t.Fatalf("without --discipline: %T, %d collectors, %v; want MeasureOnly", s.Steering, len(s.metrics), err)
	}
	s.release()
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
