package logicaltime

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/clockwatch/clockwatch/logicaltime/clockshm"
)

// publishedAt is the monotonic instant test records are published at.
const publishedAt = int64(1000 * time.Second)

// testBounded returns a BoundedClock over an in-memory region holding r (if
// r.Status is set) and the monotonic clock it reads, starting at
// publishedAt.
func testBounded(r clockshm.Record, opts ...BoundedOption) (*BoundedClock, *atomic.Int64) {
	region := clockshm.NewMemoryRegion()
	if r.Status != 0 {
		region.Publish(r)
	}
	mono := &atomic.Int64{}
	mono.Store(publishedAt)
	return newBoundedClock("/run/test/clock", region, mono.Load, newBoundedConfig(opts)), mono
}

// syncedRecord is an estimate published at publishedAt: the host is 2 ms
// ahead ± 100 µs and runs 10 ppm fast ± 1 ppm.
var syncedRecord = clockshm.Record{
	Monotonic: publishedAt, Local: at(0, 0), Offset: int64(2 * time.Millisecond),
	ErrorBound: int64(100 * time.Microsecond), Drift: 10e-6, DriftBound: 1e-6,
	Status: clockshm.StatusSynchronized, Published: publishedAt, Uncertainty: 50,
}

func TestBoundedNow(t *testing.T) {
	ref := at(0, -2*time.Millisecond) // true time at publishing
	withStatus := func(s clockshm.Status) clockshm.Record { r := syncedRecord; r.Status = s; return r }
	unknown := syncedRecord
	unknown.ErrorBound = clockshm.UnknownBound
	tests := []struct {
		name       string
		record     clockshm.Record
		age        time.Duration
		wantMid    int64
		wantBound  int64
		wantErr    error
		wantErrMsg string
	}{
		{name: "fresh", record: syncedRecord, wantMid: ref, wantBound: 100_000 + 50},
		{
			// 10 s: drift moves the offset 100 µs; the bound grows by
			// 1 ppm (10 µs), wander 1e-8/s × 100 s² / 2 (0.5 µs), and one
			// second of staleness at 500 ppm (500 µs).
			name: "aged ten seconds, agent silent", record: syncedRecord, age: 10 * time.Second,
			wantMid: ref + int64(10*time.Second) - 100_000, wantBound: 100_000 + 10_000 + 500 + 50 + 500*9_000,
		},
		{name: "holdover is usable", record: withStatus(clockshm.StatusHoldover), wantMid: ref, wantBound: 100_050},
		{name: "stale past the limit", record: syncedRecord, age: 61 * time.Second, wantErr: ErrStale, wantErrMsg: "clockwatch run --shm.path /run/test/clock"},
		{name: "unsynchronized", record: withStatus(clockshm.StatusUnsynchronized), wantErr: ErrUnsynchronized, wantErrMsg: "clockwatch status"},
		{name: "unknown bound", record: unknown, wantErr: ErrUnsynchronized},
		{name: "nothing published", wantErr: ErrUnsynchronized, wantErrMsg: clockshm.ErrNotPublished.Error()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, mono := testBounded(tt.record)
			mono.Add(int64(tt.age))
			// Published only once, so silence equals age.
			iv, err := b.Now()
			if !errors.Is(err, tt.wantErr) || (err != nil && !strings.Contains(err.Error(), tt.wantErrMsg)) {
				t.Fatalf("Now() error = %v, want %v mentioning %q", err, tt.wantErr, tt.wantErrMsg)
			}
			if err != nil {
				return
			}
			want := Interval{Earliest: time.Unix(0, tt.wantMid-tt.wantBound).UTC(), Latest: time.Unix(0, tt.wantMid+tt.wantBound).UTC()}
			if iv != want {
				t.Errorf("Now() = [%v, %v], want [%v, %v]", iv.Earliest, iv.Latest, want.Earliest, want.Latest)
			}
		})
	}
}

func TestBoundedNowUsesTheInterval(t *testing.T) {
	ref := at(0, -2*time.Millisecond) // true time at publishing, by the best estimate
	tests := []struct {
		name                 string
		min, max             time.Duration // the published offset interval
		wantBelow, wantAbove int64         // of earliest and latest from ref, before growth
	}{
		{"none: offset ± bound", 0, 0, 100_000, 100_000},
		// The truth is at most 20 µs less and 100 µs more offset than
		// the estimate: true time is at most 100 µs earlier and 20 µs
		// later than the corrected time.
		{"asymmetric", 1980 * time.Microsecond, 2100 * time.Microsecond, 100_000, 20_000},
		{"offset at an end", 2 * time.Millisecond, 2050 * time.Microsecond, 50_000, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := syncedRecord
			r.OffsetMin, r.OffsetMax = int64(tt.min), int64(tt.max)
			b, _ := testBounded(r)
			iv, err := b.Now()
			const growth = 50 // the writer's monotonic uncertainty
			want := Interval{Earliest: time.Unix(0, ref-tt.wantBelow-growth).UTC(), Latest: time.Unix(0, ref+tt.wantAbove+growth).UTC()}
			if err != nil || iv != want {
				t.Errorf("Now() = [%v, %v], %v; want [%v, %v]", iv.Earliest, iv.Latest, err, want.Earliest, want.Latest)
			}
		})
	}
}

// TestBoundedContainsTrueTime draws hosts with random offsets and drifts,
// agents whose estimates are off by random amounts within their bounds, and
// drifts that wander within WanderRate, and checks that every interval read
// contains true time.
func TestBoundedContainsTrueTime(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	uniform := func(bound float64) float64 { return (2*rng.Float64() - 1) * bound }
	for trial := range 2000 {
		offset := uniform(float64(time.Second)) // true offset at publishing
		drift := uniform(500e-6)                // true drift at publishing
		errorBound := rng.Float64() * 1e6       // up to 1 ms
		driftBound := rng.Float64() * 20e-6     // up to 20 ppm
		wander := uniform(WanderRate)           // how the drift changes
		r := clockshm.Record{
			Monotonic: publishedAt, Local: at(0, 0), Status: clockshm.StatusSynchronized, Published: publishedAt,
			Offset:     int64(offset + uniform(errorBound)),
			ErrorBound: int64(errorBound),
			Drift:      drift + uniform(driftBound),
			DriftBound: driftBound,
		}
		if trial%2 == 1 {
			// Half the agents publish an interval: within their
			// bound, holding the true offset, anywhere around it.
			lo := max(float64(r.Offset-r.ErrorBound), offset-rng.Float64()*errorBound)
			hi := min(float64(r.Offset+r.ErrorBound), offset+rng.Float64()*errorBound)
			r.OffsetMin, r.OffsetMax = int64(math.Floor(lo)), int64(math.Ceil(hi))
		}
		b, mono := testBounded(r)
		for range 5 {
			age := rng.Float64() * float64(DefaultStaleLimit)
			mono.Store(publishedAt + int64(age))
			// The system clock advanced by age; its offset moved with
			// the drift, which itself wandered.
			trueOffset := offset + drift*age + wander*age*age/2/float64(time.Second)
			trueTime := time.Unix(0, r.Local+int64(age)-int64(trueOffset))
			iv, err := b.Now()
			if err != nil || !iv.Contains(trueTime) {
				t.Fatalf("trial %d, age %v: Now() = [%v, %v], %v; true time %v is outside",
					trial, time.Duration(age), iv.Earliest, iv.Latest, err, trueTime)
			}
		}
	}
}

func TestBoundedAfterBefore(t *testing.T) {
	b, _ := testBounded(syncedRecord)
	iv, err := b.Now()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name              string
		t                 time.Time
		wantAfter, wantBe bool
	}{
		{"well before the interval", iv.Earliest.Add(-time.Second), true, false},
		{"inside the interval", iv.Midpoint(), false, false},
		{"well after the interval", iv.Latest.Add(time.Second), false, true},
	}
	for _, tt := range tests {
		after, err1 := b.After(tt.t)
		before, err2 := b.Before(tt.t)
		if after != tt.wantAfter || before != tt.wantBe || err1 != nil || err2 != nil {
			t.Errorf("%s: After = %v, %v; Before = %v, %v; want %v, %v", tt.name, after, err1, before, err2, tt.wantAfter, tt.wantBe)
		}
	}
	stale, mono := testBounded(syncedRecord)
	mono.Add(int64(time.Hour))
	if ok, err := stale.After(time.Time{}); ok || !errors.Is(err, ErrStale) {
		t.Errorf("After on a stale clock = %v, %v; want false, ErrStale", ok, err)
	}
}

func TestWaitUntilAfter(t *testing.T) {
	b, mono := testBounded(syncedRecord)
	sleeps := 0
	b.sleep = func(_ context.Context, d time.Duration) error {
		sleeps++
		mono.Add(int64(d))
		return nil
	}
	iv, _ := b.Now()
	commit := iv.Latest
	if err := b.WaitUntilAfter(context.Background(), commit); err != nil {
		t.Fatal(err)
	}
	if after, err := b.After(commit); !after || err != nil || sleeps == 0 {
		t.Errorf("after WaitUntilAfter (%d sleeps): After(commit) = %v, %v; want true", sleeps, after, err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	b.sleep = sleepContext
	if err := b.WaitUntilAfter(ctx, commit.Add(time.Hour)); !errors.Is(err, context.Canceled) {
		t.Errorf("WaitUntilAfter with a cancelled context = %v, want context.Canceled", err)
	}
}

func TestWithCorrectedClock(t *testing.T) {
	b, _ := testBounded(syncedRecord)
	hlc := NewHLC(WithCorrectedClock(b))
	if got, want := hlc.Now(), TimestampAt(time.Unix(0, at(0, -2*time.Millisecond))); got != want {
		t.Errorf("Now() on the corrected clock = %v, want %v", got, want)
	}

	unsynced := syncedRecord
	unsynced.Local, unsynced.Status = math.MaxInt64/2, clockshm.StatusUnsynchronized
	b, _ = testBounded(unsynced)
	ts := NewHLC(WithCorrectedClock(b)).Now()
	if system := NewHLC().Now(); ts.Time().Sub(system.Time()).Abs() > time.Hour {
		t.Errorf("Now() without agent data = %v, want the system clock's %v", ts, system)
	}
}

func TestInterval(t *testing.T) {
	iv := Interval{Earliest: time.Unix(10, 0), Latest: time.Unix(10, 400)}
	if got := iv.Width(); got != 400 {
		t.Errorf("Width() = %v, want 400ns", got)
	}
	if got := iv.Midpoint(); !got.Equal(time.Unix(10, 200)) {
		t.Errorf("Midpoint() = %v, want 10.0000002s", got)
	}
	for _, tt := range []struct {
		t    time.Time
		want bool
	}{{time.Unix(10, 0), true}, {time.Unix(10, 400), true}, {time.Unix(9, 999999999), false}, {time.Unix(10, 401), false}} {
		if got := iv.Contains(tt.t); got != tt.want {
			t.Errorf("Contains(%v) = %v, want %v", tt.t, got, tt.want)
		}
	}
}
