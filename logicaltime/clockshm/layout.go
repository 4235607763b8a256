package clockshm

import (
	"errors"
	"fmt"
	"math"
	"runtime/debug"
	"sync/atomic"
	"unsafe"

	"github.com/clockwatch/clockwatch/logicaltime/internal/fault"
)

// ErrFault: the region is a mapping of a file that can no longer back it.
// Callers wrap it with the file's name.
var ErrFault = fault.ErrFault

// Size is the length of the file in bytes.
const Size = words * 8

// Magic and Version identify the file and its layout.
const (
	Magic   uint64 = 0x48435441574b4c43 // "CLKWATCH" in little-endian bytes
	Version uint64 = 1
)

// UnknownBound is the error bound of an estimate that knows nothing.
const UnknownBound = math.MaxInt64

// Word indices of the layout; see the package documentation.
const (
	wordMagic    = 0
	wordVersion  = 1
	wordSequence = 2
	copyWords    = 12 // words per copy of the record, 3 of them reserved
	firstCopy    = 4  // the copies start here
	words        = 32
)

// Field indices within a copy of the record.
const (
	fieldMonotonic = iota
	fieldLocal
	fieldOffset
	fieldErrorBound
	fieldDrift
	fieldDriftBound
	fieldStatus
	fieldPublished
	fieldUncertainty
	fieldOffsetMin
	fieldOffsetMax
)

// Status is the agent's synchronization status.
type Status uint64

// Statuses, as the estimator reports them.
const (
	// StatusUnsynchronized: the agent has no trustworthy estimate.
	StatusUnsynchronized Status = 1
	// StatusHoldover: every source went quiet; the estimate is carried
	// forward with a growing bound.
	StatusHoldover Status = 2
	// StatusSynchronized: a majority of sources agrees.
	StatusSynchronized Status = 3
)

// Record is one published estimate. Instants are CLOCK_MONOTONIC
// nanoseconds; durations are nanoseconds.
type Record struct {
	// Monotonic is the instant the estimate refers to.
	Monotonic int64
	// Local is the system clock at Monotonic, as Unix nanoseconds.
	Local int64
	// Offset is local clock − reference at Monotonic.
	Offset int64
	// ErrorBound bounds |true offset − Offset|; UnknownBound when unknown.
	ErrorBound int64
	// Drift is the rate of change of Offset; DriftBound bounds its error.
	Drift      float64
	DriftBound float64
	// Status is the agent's status.
	Status Status
	// Published is the instant of the last publish.
	Published int64
	// Uncertainty bounds the error of the writer's monotonic readings.
	Uncertainty int64
	// OffsetMin and OffsetMax are the interval the agent's sources agree
	// holds the true offset at Monotonic, within Offset ± ErrorBound and
	// narrower on one side when Offset sits off its centre. Both are zero
	// when the writer publishes no interval (agents that predate it); use
	// Interval, which then falls back to Offset ± ErrorBound.
	OffsetMin, OffsetMax int64
}

// Interval returns the interval of offsets that holds the true offset at
// Monotonic: OffsetMin and OffsetMax, or Offset ± ErrorBound when the
// writer published no interval. Ends saturate instead of overflowing.
func (r *Record) Interval() (lo, hi int64) {
	if r.OffsetMin != 0 || r.OffsetMax != 0 {
		return r.OffsetMin, r.OffsetMax
	}
	return saturatingAdd(r.Offset, -r.ErrorBound), saturatingAdd(r.Offset, r.ErrorBound)
}

// saturatingAdd returns a + b clamped to the int64 range.
func saturatingAdd(a, b int64) int64 {
	s := a + b
	switch {
	case b > 0 && s < a:
		return math.MaxInt64
	case b < 0 && s > a:
		return math.MinInt64
	}
	return s
}

// Errors of Region.Read. Callers wrap them with the file's name.
var (
	ErrNotPublished = errors.New("the agent has not published an estimate yet")
	ErrNotClockFile = errors.New("not a clockwatch shared memory clock file")
	ErrBusy         = errors.New("the record changed during every read (is more than one agent writing to the file?)")
)

// maxReadTries bounds the retries of Read. A retry needs the writer to
// publish during the read, which at ten publishes a second almost never
// happens twice in a row.
const maxReadTries = 1000

// Region is the file's contents viewed as 64-bit words, usually a memory
// mapping.
type Region struct {
	words []uint64
}

// NewRegion views b, which must be at least Size bytes long and 8-byte
// aligned (a memory mapping is), as a Region.
func NewRegion(b []byte) (*Region, error) {
	if len(b) < Size {
		return nil, fmt.Errorf("clockshm: file is %d bytes, want %d: %w", len(b), Size, ErrNotClockFile)
	}
	if uintptr(unsafe.Pointer(&b[0]))%8 != 0 {
		return nil, errors.New("clockshm: region is not 8-byte aligned (map the file instead of reading it)")
	}
	return &Region{words: unsafe.Slice((*uint64)(unsafe.Pointer(&b[0])), words)}, nil
}

// NewMemoryRegion returns a Region in ordinary memory, for tests and for
// programs that simulate an agent in-process.
func NewMemoryRegion() *Region {
	return &Region{words: make([]uint64, words)}
}

// Claimable reports whether a writer may take the region: it is all zero,
// or holds a clock file of any version. A region that faults (ErrFault) is
// not claimable.
func (g *Region) Claimable() (claimable bool) {
	var err error
	defer fault.Catch(debug.SetPanicOnFault(true), &err)
	magic := atomic.LoadUint64(&g.words[wordMagic])
	return magic == Magic || magic == 0 && atomic.LoadUint64(&g.words[wordSequence]) == 0
}

// Publish stores r: it fills the copy readers are not reading, then flips
// the sequence so they read it. Only one goroutine of one process may
// publish to a region. A writer that dies part way leaves readers on the
// other, complete copy. Publish fails only with ErrFault, when the file
// behind the mapping can no longer back it; readers then fail the same
// way, or read the last complete copy.
func (g *Region) Publish(r Record) (err error) {
	defer fault.Catch(debug.SetPanicOnFault(true), &err)
	seq := atomic.LoadUint64(&g.words[wordSequence])
	c := g.copy(seq + 1)
	atomic.StoreUint64(&c[fieldMonotonic], uint64(r.Monotonic))
	atomic.StoreUint64(&c[fieldLocal], uint64(r.Local))
	atomic.StoreUint64(&c[fieldOffset], uint64(r.Offset))
	atomic.StoreUint64(&c[fieldErrorBound], uint64(r.ErrorBound))
	atomic.StoreUint64(&c[fieldDrift], math.Float64bits(r.Drift))
	atomic.StoreUint64(&c[fieldDriftBound], math.Float64bits(r.DriftBound))
	atomic.StoreUint64(&c[fieldStatus], uint64(r.Status))
	atomic.StoreUint64(&c[fieldPublished], uint64(r.Published))
	atomic.StoreUint64(&c[fieldUncertainty], uint64(r.Uncertainty))
	atomic.StoreUint64(&c[fieldOffsetMin], uint64(r.OffsetMin))
	atomic.StoreUint64(&c[fieldOffsetMax], uint64(r.OffsetMax))
	atomic.StoreUint64(&g.words[wordSequence], seq+1)
	atomic.StoreUint64(&g.words[wordVersion], Version)
	atomic.StoreUint64(&g.words[wordMagic], Magic)
	return nil
}

// Read fills r with a consistent copy of the record, without allocating or
// waiting for the writer. It fails with ErrNotPublished, ErrNotClockFile,
// ErrBusy, ErrFault (the file shrank under the mapping) or an error naming
// an unsupported version or a corrupt field.
func (g *Region) Read(r *Record) (err error) {
	defer fault.Catch(debug.SetPanicOnFault(true), &err)
	w := g.words[:words]
	magic, version := atomic.LoadUint64(&w[wordMagic]), atomic.LoadUint64(&w[wordVersion])
	if magic != Magic || version != Version {
		return validate(magic, version, r)
	}
	for range maxReadTries {
		seq := atomic.LoadUint64(&w[wordSequence])
		c := g.copy(seq)
		r.Monotonic = int64(atomic.LoadUint64(&c[fieldMonotonic]))
		r.Local = int64(atomic.LoadUint64(&c[fieldLocal]))
		r.Offset = int64(atomic.LoadUint64(&c[fieldOffset]))
		r.ErrorBound = int64(atomic.LoadUint64(&c[fieldErrorBound]))
		r.Drift = math.Float64frombits(atomic.LoadUint64(&c[fieldDrift]))
		r.DriftBound = math.Float64frombits(atomic.LoadUint64(&c[fieldDriftBound]))
		r.Status = Status(atomic.LoadUint64(&c[fieldStatus]))
		r.Published = int64(atomic.LoadUint64(&c[fieldPublished]))
		r.Uncertainty = int64(atomic.LoadUint64(&c[fieldUncertainty]))
		r.OffsetMin = int64(atomic.LoadUint64(&c[fieldOffsetMin]))
		r.OffsetMax = int64(atomic.LoadUint64(&c[fieldOffsetMax]))
		if atomic.LoadUint64(&w[wordSequence]) == seq {
			if r.valid() {
				return nil
			}
			return r.Validate()
		}
	}
	return ErrBusy
}

// copy returns the copy of the record readers read while the sequence is
// seq.
func (g *Region) copy(seq uint64) []uint64 {
	start := firstCopy + int(seq&1)*copyWords
	return g.words[start : start+copyWords : start+copyWords]
}

// validate explains what is wrong with the header.
func validate(magic, version uint64, r *Record) error {
	switch {
	case magic == 0:
		return ErrNotPublished
	case magic != Magic:
		return fmt.Errorf("clockshm: magic %#x: %w", magic, ErrNotClockFile)
	case version != Version:
		return fmt.Errorf("clockshm: layout version %d, this library reads version %d (use the clockwatch library of the agent's release)", version, Version)
	}
	return r.Validate()
}

// valid reports whether Validate would return nil.
func (r *Record) valid() bool {
	return r.Status-StatusUnsynchronized <= StatusSynchronized-StatusUnsynchronized &&
		r.ErrorBound|r.Uncertainty >= 0 && finite(r.Drift) && finite(r.DriftBound) && r.DriftBound >= 0 &&
		r.OffsetMin <= r.OffsetMax
}

// Validate checks that r's fields are in range: a known status, a
// non-negative error bound and uncertainty, a finite drift, a finite,
// non-negative drift bound and an offset interval whose ends are in order.
func (r *Record) Validate() error {
	switch {
	case r.Status-StatusUnsynchronized > StatusSynchronized-StatusUnsynchronized:
		return fmt.Errorf("clockshm: unknown status %d", r.Status)
	case r.ErrorBound|r.Uncertainty < 0:
		return fmt.Errorf("clockshm: negative error bound %d ns or uncertainty %d ns", r.ErrorBound, r.Uncertainty)
	case !finite(r.Drift) || !finite(r.DriftBound) || r.DriftBound < 0:
		return fmt.Errorf("clockshm: drift %g ± %g is not a finite rate", r.Drift, r.DriftBound)
	case r.OffsetMin > r.OffsetMax:
		return fmt.Errorf("clockshm: offset interval [%d, %d] ns is empty", r.OffsetMin, r.OffsetMax)
	}
	return nil
}

// finite reports whether x is neither infinite nor NaN: x − x is NaN for
// both.
func finite(x float64) bool { return x-x == 0 }

// String returns the status as the estimator names it.
func (s Status) String() string {
	switch s {
	case StatusUnsynchronized:
		return "unsynchronized"
	case StatusHoldover:
		return "holdover"
	case StatusSynchronized:
		return "synchronized"
	}
	return fmt.Sprintf("status(%d)", uint64(s))
}
