package agent

import (
	"context"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/clockwatch/clockwatch/estimator"
)

// countingSource counts how often it was started and whether it runs.
type countingSource struct {
	name    string
	starts  atomic.Int32
	running atomic.Bool
}

func (s *countingSource) Info() estimator.SourceInfo {
	return estimator.SourceInfo{Name: s.name, Kind: estimator.KindNTP, Address: s.name}
}

func (s *countingSource) Run(ctx context.Context, _ func(estimator.Observation)) {
	s.starts.Add(1)
	s.running.Store(true)
	<-ctx.Done()
	s.running.Store(false)
}

// recordingSink keeps every estimate published, and the last one at stop.
type recordingSink struct {
	published []estimator.Estimate
	closed    *estimator.Estimate
}

func (s *recordingSink) Publish(e estimator.Estimate)  { s.published = append(s.published, e) }
func (s *recordingSink) MaxAge() time.Duration         { return time.Second }
func (s *recordingSink) Close(last estimator.Estimate) { s.closed = &last }

// newTestAgent is an agent on clock with no sources, no steering and no
// sinks unless given.
func newTestAgent(clock Clock, steering Steering, sinks ...Sink) *Agent {
	return New(clock, estimator.New(estimator.Config{}), Sources{}, steering, sinks, nil, slog.New(slog.DiscardHandler))
}

// waitFor polls cond every 10 ms until it holds or timeout passes.
func waitFor(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestSetSourcesKeepsUnchangedSourcesRunning(t *testing.T) {
	a := newTestAgent(time.Now, MeasureOnly{})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	first, second := &countingSource{name: "a"}, &countingSource{name: "b"}
	a.setSources(ctx, SourceSet{Sources: []Source{first, second}})
	waitFor(t, time.Second, "both sources running", func() bool { return first.running.Load() && second.running.Load() })

	// A new sample of the same names: the old goroutines keep running.
	again, third := &countingSource{name: "a"}, &countingSource{name: "c"}
	a.setSources(ctx, SourceSet{Sources: []Source{again, third}})
	waitFor(t, time.Second, "the new source running", third.running.Load)
	if again.starts.Load() != 0 || first.starts.Load() != 1 || !first.running.Load() {
		t.Errorf("unchanged source restarted: first started %d times, replacement %d", first.starts.Load(), again.starts.Load())
	}
	if second.running.Load() {
		t.Error("removed source still runs")
	}
	if names := sourceNames(a.est.Estimate(time.Now())); names != "a,c" {
		t.Errorf("estimator sources %s", names)
	}

	// Restart: everything starts afresh.
	fresh := &countingSource{name: "a"}
	a.setSources(ctx, SourceSet{Sources: []Source{fresh}, Restart: true})
	waitFor(t, time.Second, "the restarted source", fresh.running.Load)
	if first.running.Load() || third.running.Load() {
		t.Error("restart left old sources running")
	}
}

func sourceNames(e estimator.Estimate) string {
	names := make([]string, len(e.Sources))
	for i, s := range e.Sources {
		names[i] = s.Name
	}
	return strings.Join(names, ",")
}

// TestRunStopsAndClosesSinks: when the context ends, the sources stop and
// every sink gets the last estimate once.
func TestRunStopsAndClosesSinks(t *testing.T) {
	sink := &recordingSink{}
	src := &countingSource{name: "a"}
	a := New(time.Now, estimator.New(estimator.Config{}), Sources{Initial: []Source{src}}, MeasureOnly{}, []Sink{sink}, nil, slog.New(slog.DiscardHandler))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { a.Run(ctx); close(done) }()
	waitFor(t, time.Second, "the source running", src.running.Load)
	cancel()
	<-done
	if src.running.Load() || sink.closed == nil || len(sink.published) == 0 {
		t.Errorf("after stop: source running %v, sink closed %v after %d estimates", src.running.Load(), sink.closed != nil, len(sink.published))
	}
}

// countingSink counts the estimates published to it and asks for one
// every maxAge.
type countingSink struct {
	maxAge    time.Duration
	published atomic.Int32
}

func (s *countingSink) Publish(estimator.Estimate) { s.published.Add(1) }
func (s *countingSink) MaxAge() time.Duration      { return s.maxAge }
func (s *countingSink) Close(estimator.Estimate)   {}

// TestIdlePublishingContinues: with no source reporting, the sinks still
// get an estimate every MaxAge, publication after publication.
func TestIdlePublishingContinues(t *testing.T) {
	sink := &countingSink{maxAge: 5 * time.Millisecond}
	a := New(time.Now, estimator.New(estimator.Config{}), Sources{}, MeasureOnly{}, []Sink{sink}, nil, slog.New(slog.DiscardHandler))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { a.Run(ctx); close(done) }()
	waitFor(t, 10*time.Second, "five idle publications", func() bool { return sink.published.Load() >= 5 })
	cancel()
	<-done
}

// agedSink is a sink that wants an estimate at least every maxAge.
type agedSink struct {
	recordingSink
	maxAge time.Duration
}

func (s *agedSink) MaxAge() time.Duration { return s.maxAge }

// TestPublishIntervalFollowsTheNeediestPart: between the sources' reports
// the agent publishes as often as its most demanding sink or its steering
// asks, and rarely when nothing asks: a measure-only agent wakes up no more
// than its sources do.
func TestPublishIntervalFollowsTheNeediestPart(t *testing.T) {
	tests := []struct {
		name     string
		steering Steering
		sinks    []Sink
		want     time.Duration
	}{
		{name: "nothing asks", steering: MeasureOnly{}, want: idlePublish},
		{name: "history and state", steering: MeasureOnly{}, sinks: []Sink{&agedSink{maxAge: time.Second}, &agedSink{maxAge: time.Minute}}, want: time.Second},
		{name: "shared memory", steering: MeasureOnly{}, sinks: []Sink{&agedSink{maxAge: time.Second}, &agedSink{maxAge: 100 * time.Millisecond}}, want: 100 * time.Millisecond},
		{name: "a discipline", steering: &disciplineSteering{}, sinks: []Sink{&agedSink{maxAge: time.Second}}, want: disciplineRefresh},
		{name: "a sink that asks nothing", steering: MeasureOnly{}, sinks: []Sink{&agedSink{}}, want: idlePublish},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := newTestAgent(time.Now, tc.steering, tc.sinks...).publishInterval(); got != tc.want {
				t.Errorf("publish every %v, want %v", got, tc.want)
			}
		})
	}
}
