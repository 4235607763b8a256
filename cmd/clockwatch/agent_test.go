package main

import (
	"context"
	"log/slog"
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

func TestSetSourcesKeepsUnchangedSourcesRunning(t *testing.T) {
	a := newAgent(slog.New(slog.DiscardHandler), time.Now, estimator.Config{})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	first, second := &countingSource{name: "a"}, &countingSource{name: "b"}
	a.setSources(ctx, sourceSet{sources: []source{first, second}})
	waitFor(t, time.Second, "both sources running", func() bool { return first.running.Load() && second.running.Load() })

	// A new sample of the same names: the old goroutines keep running.
	again, third := &countingSource{name: "a"}, &countingSource{name: "c"}
	a.setSources(ctx, sourceSet{sources: []source{again, third}})
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

	// restart: everything starts afresh.
	fresh := &countingSource{name: "a"}
	a.setSources(ctx, sourceSet{sources: []source{fresh}, restart: true})
	waitFor(t, time.Second, "the restarted source", fresh.running.Load)
	if first.running.Load() || third.running.Load() {
		t.Error("restart left old sources running")
	}
}

func sourceNames(e estimator.Estimate) string {
	out := ""
	for i, s := range e.Sources {
		if i > 0 {
			out += ","
		}
		out += s.Name
	}
	return out
}
