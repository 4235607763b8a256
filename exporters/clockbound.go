package exporters

import (
	"fmt"
	"math"
	"sync"
	"time"

	"github.com/clockwatch/clockwatch/estimator"
	"github.com/clockwatch/clockwatch/logicaltime"
	"github.com/clockwatch/clockwatch/logicaltime/clockbound"
	"github.com/clockwatch/clockwatch/logicaltime/clockshm"
)

// ClockBound records carry these beyond what the estimate says.
const (
	// clockBoundVoidAfter is how long after its as-of a record stays
	// valid: ClockBound's grace period, for which its clients trust the
	// published status whatever void-after says. An agent that stops
	// leaves its clients with status unknown after it.
	clockBoundVoidAfter = clockbound.GracePeriod
	// clockBoundUnknownBound is the bound of a record of status unknown,
	// for a client that reads the interval without checking the status:
	// a day, wide, and far from overflowing a timespec.
	clockBoundUnknownBound = 24 * time.Hour
)

// clockBoundLayout is ClockBound's segment (package clockbound).
var clockBoundLayout = shmLayout{
	size: clockbound.Size, flag: "--clockbound.shm-path", notOurs: clockbound.ErrNotSegment,
	claimable: func(data []byte) bool {
		s, err := clockbound.NewSegment(data)
		return err == nil && s.Claimable()
	},
}

// ClockBoundWriter publishes the agent's estimate in AWS ClockBound's
// shared-memory protocol version 2, so that programs using ClockBound's
// client libraries read it unchanged (layout in package clockbound). It
// takes the file as ShmWriter takes the agent's own: refusing links,
// files of other users and files of other layouts, one writer per file,
// surviving truncation and a full filesystem. A ClockBound daemon must not
// write the same file.
//
// ClockBound's bound is about CLOCK_REALTIME itself: its clients return
// the system clock ± the bound. The agent measures the system clock
// without steering it, so the clock is off true time by the estimated
// offset, and the bound written is |offset| + error bound at the
// estimate's instant. It grows by max drift = |drift| + drift bound + the
// wander allowance over the record's life, so it holds for as long as the
// record is valid (5 s), the same model logicaltime's BoundedClock uses
// while the agent publishes.
type ClockBoundWriter struct {
	path    string
	file    *shmFile
	segment *clockbound.Segment
	clock   *clockshm.MonotonicClock
	// tick is the resolution of clients' coarse monotonic clock.
	tick time.Duration

	mu sync.Mutex // guards segment: one Publish at a time, none after Close
}

// NewClockBoundWriter creates or reopens the ClockBound segment at path
// (ClockBound's clients look at clockbound.DefaultPath) with mode 0644,
// creating its directory if missing, and takes the writer's lock on it.
// Linux only.
func NewClockBoundWriter(path string) (*ClockBoundWriter, error) {
	clock, err := clockshm.NewMonotonicClock()
	if err != nil {
		return nil, fmt.Errorf("clockbound shm: %w", err)
	}
	tick, err := clockbound.CoarseResolution()
	if err != nil {
		return nil, fmt.Errorf("clockbound shm: %w", err)
	}
	file, err := openShmFile(path, clockBoundLayout)
	if err != nil {
		return nil, err
	}
	segment, err := clockbound.NewSegment(file.data)
	if err != nil {
		file.close()
		return nil, fmt.Errorf("clockbound shm: %s: %w", path, err)
	}
	return &ClockBoundWriter{path: path, file: file, segment: segment, clock: clock, tick: tick}, nil
}

// Publish stores e for ClockBound clients, as ShmWriter.Publish does for
// the agent's own readers: pass every estimate, at least ten times a
// second. A file something truncated is re-sized, and that publish fails
// saying so.
func (w *ClockBoundWriter) Publish(e estimator.Estimate) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.segment == nil {
		return fmt.Errorf("clockbound shm: publish to %s: the writer is closed", w.path)
	}
	if err := w.file.restore(); err != nil {
		return fmt.Errorf("clockbound shm: publish to %s: %w", w.path, err)
	}
	mono, wall := w.clock.NowAndWall()
	b, err := clockBoundRecord(e, mono, wall, w.tick)
	if err == nil {
		err = w.segment.Publish(b)
	}
	if err != nil {
		return fmt.Errorf("clockbound shm: publish to %s: %w", w.path, err)
	}
	return nil
}

// Close unmaps the file and releases the writer's lock. The file stays, so
// clients see the record age and go void. Publish fails afterwards;
// closing again does nothing.
func (w *ClockBoundWriter) Close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.segment == nil {
		return nil
	}
	w.segment = nil
	if err := w.file.close(); err != nil {
		return fmt.Errorf("clockbound shm: close %s: %w", w.path, err)
	}
	return nil
}

// clockBoundRecord converts e into a ClockBound record, published when
// CLOCK_MONOTONIC read mono and the system clock wall (Unix nanoseconds);
// tick is the resolution of the clients' CLOCK_MONOTONIC_COARSE.
//
// As-of is the estimate's instant on the monotonic clock less two ticks:
// a client's coarse reading lags the fine clock by up to a tick, more when
// a loaded kernel runs its tick late (0.35 ms late seen on a busy 2-core
// VM), so it measures the record's age that much short and would grow the
// bound too little; and a client whose reading lies before as-of refuses
// the record. The margin costs max drift × 2 ticks of bound (120 ns at
// 15 ppm and 4 ms ticks).
func clockBoundRecord(e estimator.Estimate, mono, wall int64, tick time.Duration) (clockbound.Bound, error) {
	status, err := shmStatus(e)
	if err != nil {
		return clockbound.Bound{}, err
	}
	margin := 2 * int64(tick)
	unknown := clockbound.Bound{AsOf: mono - margin, VoidAfter: mono - margin, Bound: int64(clockBoundUnknownBound), Status: clockbound.StatusUnknown}
	if status == clockshm.StatusUnsynchronized {
		return unknown, nil
	}
	if e.Time.IsZero() {
		return clockbound.Bound{}, fmt.Errorf("estimate has an offset but no time")
	}
	bound := float64(e.Offset.Abs()) + float64(e.ErrorBound)
	drift := math.Ceil((math.Abs(e.Drift) + e.DriftBound + logicaltime.WanderRate*clockBoundVoidAfter.Seconds()/2) * 1e9)
	if !(bound < float64(clockBoundUnknownBound)) || !(drift < 1e9) {
		return unknown, nil // too wide to be of use, or not a number
	}
	asOf := mono - (wall - e.Time.UnixNano()) - margin
	b := clockbound.Bound{
		AsOf: asOf, VoidAfter: asOf + int64(clockBoundVoidAfter),
		Bound: int64(bound), MaxDriftPPB: uint32(drift), Status: clockbound.StatusSynchronized,
	}
	if status == clockshm.StatusHoldover {
		b.Status = clockbound.StatusFreeRunning
	}
	return b, b.Validate()
}
