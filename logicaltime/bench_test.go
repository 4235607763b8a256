package logicaltime

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/clockwatch/clockwatch/logicaltime/clockshm"
)

// The benchmarks below measure the clocks and their anchors in one run;
// hack/bench/hlc/run.sh turns the output into the ratios of the goals.
// Each runs with 1 and with 2 goroutines sharing one clock; ns/op is wall
// time divided by the operations of all goroutines.

// mutexClock is the anchor in the style of CockroachDB's hlc.Clock: wall
// time and a logical counter guarded by a mutex, the physical clock read
// under the lock.
type mutexClock struct {
	mu      sync.Mutex
	wall    int64
	logical int32
}

// Now issues the next timestamp.
func (c *mutexClock) Now() (int64, int32) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if pt := time.Now().UnixNano(); pt > c.wall {
		c.wall, c.logical = pt, 0
	} else {
		c.logical++
	}
	return c.wall, c.logical
}

// casClock is the naive lock-free anchor: time.Now, then a compare-and-swap
// loop on the packed timestamp.
type casClock struct {
	last atomic.Uint64
}

// Now issues the next timestamp.
func (c *casClock) Now() uint64 {
	pt := uint64(time.Now().UnixNano()) &^ logicalMask
	for {
		last := c.last.Load()
		next := max(last+1, pt)
		if c.last.CompareAndSwap(last, next) {
			return next
		}
	}
}

// sink keeps results alive.
var sink atomic.Uint64

// benchGoroutines runs op b.N times in total, split over goroutines.
func benchGoroutines(b *testing.B, goroutines int, op func() uint64) {
	b.ReportAllocs()
	var wg sync.WaitGroup
	b.ResetTimer()
	for g := range goroutines {
		n := b.N / goroutines
		if g == 0 {
			n += b.N % goroutines
		}
		wg.Go(func() {
			var acc uint64
			for range n {
				acc += op()
			}
			sink.Add(acc)
		})
	}
	wg.Wait()
}

// BenchmarkClocks compares HLC.Now and BoundedClock.Now with time.Now and
// the two anchors.
func BenchmarkClocks(b *testing.B) {
	hlc := NewHLC()
	mutex := &mutexClock{}
	cas := &casClock{}
	remote := NewHLC()
	clocks := []struct {
		name string
		op   func() uint64
	}{
		{"time.Now", func() uint64 { return uint64(time.Now().UnixNano()) }},
		{"HLC.Now", func() uint64 { return hlc.Now().bits }},
		// A send on another clock and the receive on this one: two
		// clock readings.
		{"HLC.Update", func() uint64 { ts, _ := hlc.Update(remote.Now()); return ts.bits }},
		{"MutexClock.Now", func() uint64 { w, l := mutex.Now(); return uint64(w) + uint64(l) }},
		{"NaiveCAS.Now", cas.Now},
	}
	if bounded := benchBoundedClock(b); bounded != nil {
		clocks = append(clocks, struct {
			name string
			op   func() uint64
		}{"BoundedClock.Now", func() uint64 { iv, _ := bounded.Now(); return uint64(iv.Latest.UnixNano()) }})
	}
	for _, clock := range clocks {
		for _, goroutines := range []int{1, 2} {
			b.Run(clock.name+"/goroutines="+string(rune('0'+goroutines)), func(b *testing.B) {
				benchGoroutines(b, goroutines, clock.op)
			})
		}
	}
}

// benchBoundedClock returns a BoundedClock on the real monotonic clock over
// a freshly published record, or nil where there is no such clock.
func benchBoundedClock(b *testing.B) *BoundedClock {
	mono, err := clockshm.NewMonotonicClock()
	if err != nil {
		b.Logf("no bounded clock benchmark: %v", err)
		return nil
	}
	region := newTestRegion(b)
	now, wall := mono.NowAndWall()
	region.Publish(clockshm.Record{
		Monotonic: now, Local: wall, Offset: 1500, ErrorBound: 20000, Drift: 3e-6, DriftBound: 1e-7,
		Status: clockshm.StatusSynchronized, Published: now, Uncertainty: int64(mono.Uncertainty()),
	})
	cfg := newBoundedConfig([]BoundedOption{WithStaleLimit(time.Hour)})
	return newBoundedClock("bench", region, mono.Now, cfg)
}

// BenchmarkEncoding measures the allocation-free encoders.
func BenchmarkEncoding(b *testing.B) {
	ts := NewHLC().Now()
	buf := make([]byte, 0, TextLen)
	b.Run("AppendText", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			buf, _ = ts.AppendText(buf[:0])
		}
	})
	b.Run("AppendBinary", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			buf, _ = ts.AppendBinary(buf[:0])
		}
	})
	text := ts.String()
	b.Run("ParseTimestamp", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			ts, _ = ParseTimestamp(text)
		}
	})
}
