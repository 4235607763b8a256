package logicaltime

import (
	"slices"
	"sync"
	"testing"
)

// TestHLCConcurrent hammers one clock from many goroutines, half of them
// receiving the others' timestamps, and checks that every timestamp is
// unique, that each goroutine sees them increase, and that a receive is
// later than what it received. Run it with -race.
func TestHLCConcurrent(t *testing.T) {
	const goroutines, perGoroutine = 16, 2000
	clock := NewHLC()
	remote := NewHLC()
	stamps := make([][]Timestamp, goroutines)
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			issued := make([]Timestamp, 0, perGoroutine)
			for range perGoroutine {
				if g%2 == 0 {
					issued = append(issued, clock.Now())
					continue
				}
				sent := remote.Now()
				got, err := clock.Update(sent)
				if err != nil || !sent.Before(got) {
					t.Errorf("Update(%v) = %v, %v: want a later timestamp", sent, got, err)
					return
				}
				issued = append(issued, got)
			}
			stamps[g] = issued
		})
	}
	wg.Wait()
	var all []Timestamp
	for g, issued := range stamps {
		if !slices.IsSortedFunc(issued, Timestamp.Compare) {
			t.Errorf("goroutine %d saw timestamps go back", g)
		}
		all = append(all, issued...)
	}
	slices.SortFunc(all, Timestamp.Compare)
	if n := len(slices.Compact(all)); n != goroutines*perGoroutine {
		t.Errorf("%d distinct timestamps out of %d issued", n, goroutines*perGoroutine)
	}
}

// TestHLCLinearizable checks that a timestamp taken after another call
// returned, on any goroutine, is later: the clock orders events across
// goroutines the way a channel handoff does.
func TestHLCLinearizable(t *testing.T) {
	clock := NewHLC()
	handoff := make(chan Timestamp)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for prev := range handoff {
			if now := clock.Now(); !prev.Before(now) {
				t.Errorf("Now() = %v after receiving %v", now, prev)
			}
		}
	}()
	for range 5000 {
		handoff <- clock.Now()
	}
	close(handoff)
	<-done
}
