package logicaltime

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sync/atomic"
	"time"

	"github.com/clockwatch/clockwatch/logicaltime/clockshm"
)

// DefaultPath is where the agent publishes its estimate unless told
// otherwise with --shm.path.
const DefaultPath = "/run/clockwatch/clock"

// Defaults of the staleness options.
const (
	// DefaultStaleAfter is how long the agent may go without publishing
	// before the bound widens faster: ten missed publishes.
	DefaultStaleAfter = time.Second
	// DefaultStaleLimit is how long the agent may go without publishing
	// before Now fails.
	DefaultStaleLimit = time.Minute
)

// Growth of the bound with the age of the estimate, beyond what the agent's
// drift bound accounts for.
const (
	// WanderRate is how fast, per second, the clock's drift may change
	// after the agent measured it: 1e-8/s, or 1 ppm in 100 s, what a
	// quartz oscillator's temperature swing of about 1 °C per 100 s causes.
	// It adds WanderRate × age² / 2 to the bound.
	WanderRate = 1e-8
	// StaleGrowthRate is how fast the bound grows once the agent has been
	// silent for longer than the stale-after time: 500 ppm, the fastest a
	// time daemon may slew the system clock through the kernel's
	// discipline, which nobody is watching while the agent is gone.
	StaleGrowthRate = 500e-6
)

// maxBound caps a bound so that interval ends cannot overflow.
const maxBound = 1 << 62

// Errors of BoundedClock. The errors returned wrap them with details.
var (
	// ErrAgentNotRunning: the shared memory file does not exist, or it
	// shrank under the reader's mapping (truncated; a running agent
	// restores it at its next publish).
	ErrAgentNotRunning = errors.New("clockwatch agent is not running")
	// ErrStale: the agent stopped publishing for longer than the limit.
	ErrStale = errors.New("clockwatch agent stopped publishing")
	// ErrUnsynchronized: the agent has no trustworthy estimate.
	ErrUnsynchronized = errors.New("clockwatch agent is not synchronized")
)

// BoundedClock reads true time as an interval, TrueTime-style, from the
// estimate the clockwatch agent publishes in shared memory. It is safe for
// concurrent use; Now does not lock, block or allocate.
type BoundedClock struct {
	path   string
	region *clockshm.Region
	unmap  func() error
	cfg    boundedConfig
	// monotonic reads CLOCK_MONOTONIC in nanoseconds; uncertainty bounds
	// its error.
	monotonic   func() int64
	uncertainty int64
	// sleep waits for d or until ctx is done.
	sleep  func(ctx context.Context, d time.Duration) error
	closed atomic.Bool
}

// BoundedOption configures a BoundedClock made by OpenBounded.
type BoundedOption func(*boundedConfig)

// boundedConfig collects the options of OpenBounded.
type boundedConfig struct {
	staleAfter, staleLimit time.Duration
}

// newBoundedConfig applies opts to the defaults.
func newBoundedConfig(opts []BoundedOption) boundedConfig {
	cfg := boundedConfig{staleAfter: DefaultStaleAfter, staleLimit: DefaultStaleLimit}
	for _, opt := range opts {
		opt(&cfg)
	}
	return cfg
}

// WithStaleAfter sets how long the agent may go without publishing before
// the bound grows by StaleGrowthRate as well (default DefaultStaleAfter).
func WithStaleAfter(d time.Duration) BoundedOption {
	return func(c *boundedConfig) { c.staleAfter = d }
}

// WithStaleLimit sets how long the agent may go without publishing before
// Now fails with ErrStale (default DefaultStaleLimit).
func WithStaleLimit(d time.Duration) BoundedOption {
	return func(c *boundedConfig) { c.staleLimit = d }
}

// OpenBounded maps the agent's shared memory file at path (usually
// DefaultPath) read-only. It fails, wrapping ErrAgentNotRunning, when the
// file does not exist, and when the file is not a clock file of a layout
// this library reads. The agent need not have published yet: until it does,
// Now fails.
func OpenBounded(path string, opts ...BoundedOption) (*BoundedClock, error) {
	cfg := newBoundedConfig(opts)
	mono, err := clockshm.NewMonotonicClock()
	if err != nil {
		return nil, fmt.Errorf("logicaltime: open bounded clock: %w", err)
	}
	data, unmap, err := mapReadOnly(path)
	if err != nil {
		return nil, err
	}
	region, err := clockshm.NewRegion(data)
	if err == nil {
		err = region.Read(&clockshm.Record{})
	}
	if err != nil && !errors.Is(err, clockshm.ErrNotPublished) {
		unmap()
		return nil, fmt.Errorf("logicaltime: shared memory clock %s: %w", path, err)
	}
	b := newBoundedClock(path, region, mono.Now, cfg)
	b.uncertainty, b.unmap = int64(mono.Uncertainty()), unmap
	return b, nil
}

// newBoundedClock returns a BoundedClock reading region at the instants
// monotonic returns.
func newBoundedClock(path string, region *clockshm.Region, monotonic func() int64, cfg boundedConfig) *BoundedClock {
	return &BoundedClock{
		path: path, region: region, cfg: cfg, monotonic: monotonic,
		unmap: func() error { return nil }, sleep: sleepContext,
	}
}

// Close unmaps the file; closing again does nothing. The clock must not be
// used afterwards: its memory is gone.
func (b *BoundedClock) Close() error {
	if !b.closed.CompareAndSwap(false, true) {
		return nil
	}
	if err := b.unmap(); err != nil {
		return fmt.Errorf("logicaltime: unmap %s: %w", b.path, err)
	}
	return nil
}

// Now returns an interval that contains true time now. It fails when the
// agent has not published, is unsynchronized, or stopped publishing for
// longer than the stale limit. The interval is the one the agent's sources
// agree on, so it need not be centred on the agent's best estimate of true
// time.
func (b *BoundedClock) Now() (Interval, error) {
	t, err := b.estimate(b.monotonic())
	if err != nil {
		return Interval{}, err
	}
	return Interval{Earliest: time.Unix(0, t.earliest).UTC(), Latest: time.Unix(0, t.latest).UTC()}, nil
}

// After reports whether t has certainly passed: it is before the earliest
// true time now.
func (b *BoundedClock) After(t time.Time) (bool, error) {
	iv, err := b.Now()
	return err == nil && iv.Earliest.After(t), err
}

// Before reports whether t has certainly not arrived: it is after the latest
// true time now.
func (b *BoundedClock) Before(t time.Time) (bool, error) {
	iv, err := b.Now()
	return err == nil && iv.Latest.Before(t), err
}

// WaitUntilAfter waits until t has certainly passed (commit wait): it
// returns nil once After(t) holds, or the error of Now or of ctx.
func (b *BoundedClock) WaitUntilAfter(ctx context.Context, t time.Time) error {
	for {
		iv, err := b.Now()
		if err != nil {
			return err
		}
		if iv.Earliest.After(t) {
			return nil
		}
		// Earliest advances a little slower than real time as the bound
		// grows, so this may take another round.
		if err := b.sleep(ctx, t.Sub(iv.Earliest)+time.Microsecond); err != nil {
			return err
		}
	}
}

// trueTime is the agent's estimate carried to one instant, in Unix
// nanoseconds: true time is corrected at best and lies in [earliest,
// latest].
type trueTime struct {
	corrected, earliest, latest int64
}

// estimate returns true time at CLOCK_MONOTONIC instant now:
//
//	corrected = local − offset + age − drift × age  (= system − offset − drift × age)
//	earliest  = corrected − (offset max − offset) − growth
//	latest    = corrected + (offset − offset min) + growth
//	growth    = drift bound × age + WanderRate × age²/2
//	          + StaleGrowthRate × (silence − stale after), once silent that long
//	          + the writer's and this reader's monotonic uncertainty
//
// where [offset min, offset max] is the record's Interval, age is the time
// since the estimate and silence the time since the last publish, both
// measured on the monotonic clock.
func (b *BoundedClock) estimate(now int64) (trueTime, error) {
	var r clockshm.Record
	err := b.region.Read(&r)
	switch {
	case errors.Is(err, clockshm.ErrNotPublished):
		return trueTime{}, fmt.Errorf("logicaltime: shared memory clock %s: %w: %w (wait for it to measure, or check its log)", b.path, ErrUnsynchronized, err)
	case errors.Is(err, clockshm.ErrFault):
		return trueTime{}, fmt.Errorf("logicaltime: shared memory clock %s: %w: %w (a running agent restores the file at its next publish; otherwise start it: clockwatch run --shm.path %s)", b.path, ErrAgentNotRunning, err, b.path)
	case err != nil:
		return trueTime{}, fmt.Errorf("logicaltime: shared memory clock %s: %w", b.path, err)
	case r.Status == clockshm.StatusUnsynchronized || r.ErrorBound == clockshm.UnknownBound:
		return trueTime{}, fmt.Errorf("logicaltime: shared memory clock %s: %w: no majority of its sources agrees, or none answered yet (see clockwatch status)", b.path, ErrUnsynchronized)
	}
	silence := time.Duration(now - r.Published)
	if silence > b.cfg.staleLimit {
		return trueTime{}, fmt.Errorf("logicaltime: shared memory clock %s: %w %v ago, longer than the limit %v (start it: clockwatch run --shm.path %s)", b.path, ErrStale, silence.Round(time.Millisecond), b.cfg.staleLimit, b.path)
	}
	age := float64(now - r.Monotonic)
	corrected := r.Local - r.Offset + (now - r.Monotonic) - int64(math.Round(r.Drift*age))
	ageAbs := math.Abs(age)
	growth := r.DriftBound*ageAbs + ageAbs*ageAbs*(WanderRate/2/float64(time.Second)) + float64(r.Uncertainty+b.uncertainty)
	if silence > b.cfg.staleAfter {
		growth += StaleGrowthRate * float64(silence-b.cfg.staleAfter)
	}
	lo, hi := r.Interval()
	below := min(float64(hi)-float64(r.Offset)+math.Ceil(growth), maxBound)
	above := min(float64(r.Offset)-float64(lo)+math.Ceil(growth), maxBound)
	return trueTime{corrected: corrected, earliest: corrected - int64(below), latest: corrected + int64(above)}, nil
}

// correctedOr returns the corrected time in Unix nanoseconds, or the system
// clock's reading when the agent's data is not usable.
func (b *BoundedClock) correctedOr(system *systemClock) int64 {
	t, err := b.estimate(b.monotonic())
	if err != nil || t.corrected < 0 {
		return system.UnixNano()
	}
	return t.corrected
}

// sleepContext waits for d or until ctx is done.
func sleepContext(ctx context.Context, d time.Duration) error {
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-timer.C:
		return nil
	}
}
