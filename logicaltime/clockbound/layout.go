package clockbound

import (
	"encoding/binary"
	"errors"
	"fmt"
	"runtime/debug"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/clockwatch/clockwatch/logicaltime/internal/fault"
)

// Size is the length of the segment in bytes; Version is its layout.
const (
	Size    = words * 8
	Version = 2
)

// DefaultPath is where ClockBound's daemon keeps the segment, and so where
// its clients look by default.
const DefaultPath = "/var/run/clockbound/shm0"

// The magic number is these two 32-bit words, in host byte order.
const (
	magicLow  uint32 = 0x414D5A4E
	magicHigh uint32 = 0x43420200
)

// Word indices of the layout; see the package documentation.
const (
	wordMagic      = 0
	wordHeader     = 1 // segment size, version, generation
	wordAsOf       = 2 // and 3
	wordVoidAfter  = 4 // and 5
	wordBound      = 6
	wordDisruption = 7
	wordDriftState = 8 // max drift, clock status
	wordSupport    = 9
	words          = 10
)

// maxDriftPPB is the first max drift ClockBound's clients refuse as
// malformed: a clock that gains a second a second.
const maxDriftPPB = 1_000_000_000

// Status is the clock status of the segment.
type Status int32

// Statuses of the protocol. A client trusts the interval in
// StatusSynchronized and StatusFreeRunning, not in the others.
const (
	StatusUnknown      Status = 0
	StatusSynchronized Status = 1
	StatusFreeRunning  Status = 2
	StatusDisrupted    Status = 3
)

// String returns the status as ClockBound names it.
func (s Status) String() string {
	switch s {
	case StatusUnknown:
		return "unknown"
	case StatusSynchronized:
		return "synchronized"
	case StatusFreeRunning:
		return "free-running"
	case StatusDisrupted:
		return "disrupted"
	}
	return fmt.Sprintf("status(%d)", int32(s))
}

// Bound is the segment's record: a bound on the system clock's error at an
// instant, and how fast it grows. Instants are CLOCK_MONOTONIC_COARSE
// nanoseconds.
type Bound struct {
	// AsOf is the instant Bound refers to.
	AsOf int64
	// VoidAfter is the instant after which the record must not be trusted.
	VoidAfter int64
	// Bound bounds |CLOCK_REALTIME − true time| at AsOf, in nanoseconds.
	Bound int64
	// DisruptionMarker is the VMClock's disruption marker; ignored by
	// clients unless DisruptionSupport is set.
	DisruptionMarker uint64
	// MaxDriftPPB is how fast the bound grows after AsOf, in parts per
	// billion.
	MaxDriftPPB uint32
	Status      Status
	// DisruptionSupport tells clients to check the VMClock's disruption
	// marker against DisruptionMarker.
	DisruptionSupport bool
}

// Validate checks that b's fields are what a ClockBound client accepts: a
// known status, a non-negative bound, a max drift below one second per
// second, and instants that fit a timespec.
func (b *Bound) Validate() error {
	switch {
	case b.Status < StatusUnknown || b.Status > StatusDisrupted:
		return fmt.Errorf("clockbound: unknown clock status %d", int32(b.Status))
	case b.Bound < 0:
		return fmt.Errorf("clockbound: negative bound %d ns", b.Bound)
	case b.MaxDriftPPB >= maxDriftPPB:
		return fmt.Errorf("clockbound: max drift %d ppb is a second per second or more", b.MaxDriftPPB)
	case b.AsOf < 0 || b.VoidAfter < 0:
		return fmt.Errorf("clockbound: negative instant (as-of %d ns, void-after %d ns)", b.AsOf, b.VoidAfter)
	}
	return nil
}

// Errors of Segment.Read. Callers wrap them with the file's name.
var (
	ErrNotPublished = errors.New("the writer has not published a bound yet")
	ErrNotSegment   = errors.New("not a ClockBound shared memory segment")
	ErrBusy         = errors.New("the segment was being updated during every read (is more than one writer updating it, or did its writer die mid-update?)")
	// ErrFault: the segment is a mapping of a file that can no longer
	// back it.
	ErrFault = fault.ErrFault
)

// maxReadTries bounds the retries of Read, as in clockshm.
const maxReadTries = 1000

// Segment is the segment's bytes viewed as 64-bit words, usually a memory
// mapping.
type Segment struct {
	words []uint64
	// unmap releases the mapping Open made; nil otherwise.
	unmap func() error
}

// Close unmaps a segment Open mapped, and does nothing to others. The
// segment must not be used afterwards.
func (s *Segment) Close() error {
	if s.unmap == nil {
		return nil
	}
	unmap := s.unmap
	s.unmap = nil
	if err := unmap(); err != nil {
		return fmt.Errorf("clockbound: unmap: %w", err)
	}
	return nil
}

// NewSegment views b, which must be at least Size bytes long and 8-byte
// aligned (a memory mapping is), as a Segment.
func NewSegment(b []byte) (*Segment, error) {
	if len(b) < Size {
		return nil, fmt.Errorf("clockbound: segment is %d bytes, want %d: %w", len(b), Size, ErrNotSegment)
	}
	if uintptr(unsafe.Pointer(&b[0]))%8 != 0 {
		return nil, errors.New("clockbound: segment is not 8-byte aligned (map the file instead of reading it)")
	}
	return &Segment{words: unsafe.Slice((*uint64)(unsafe.Pointer(&b[0])), words)}, nil
}

// NewMemorySegment returns a Segment in ordinary memory, for tests.
func NewMemorySegment() *Segment { return &Segment{words: make([]uint64, words)} }

// Claimable reports whether a writer may take the segment: all zero, or
// holding ClockBound's magic (any version). A segment that faults is not
// claimable.
func (s *Segment) Claimable() (claimable bool) {
	var err error
	defer fault.Catch(debug.SetPanicOnFault(true), &err)
	magic := atomic.LoadUint64(&s.words[wordMagic])
	return magic == magicWord() || magic == 0 && atomic.LoadUint64(&s.words[wordHeader]) == 0
}

// Publish stores b under the generation protocol: the generation goes odd,
// the record is written, the generation goes even (skipping 0). Only one
// goroutine of one process may publish to a segment. It fails only with
// ErrFault.
func (s *Segment) Publish(b Bound) (err error) {
	defer fault.Catch(debug.SetPanicOnFault(true), &err)
	w := s.words[:words]
	_, _, gen := unpackHeader(atomic.LoadUint64(&w[wordHeader]))
	if gen%2 == 0 {
		gen++ // odd: an update is under way (a dead writer may have left it odd already)
	}
	atomic.StoreUint64(&w[wordHeader], packHeader(Size, Version, gen))
	atomic.StoreUint64(&w[wordAsOf], uint64(b.AsOf/int64(time.Second)))
	atomic.StoreUint64(&w[wordAsOf+1], uint64(b.AsOf%int64(time.Second)))
	atomic.StoreUint64(&w[wordVoidAfter], uint64(b.VoidAfter/int64(time.Second)))
	atomic.StoreUint64(&w[wordVoidAfter+1], uint64(b.VoidAfter%int64(time.Second)))
	atomic.StoreUint64(&w[wordBound], uint64(b.Bound))
	atomic.StoreUint64(&w[wordDisruption], b.DisruptionMarker)
	atomic.StoreUint64(&w[wordDriftState], pack32(b.MaxDriftPPB, uint32(b.Status)))
	var support uint64
	if b.DisruptionSupport {
		support = supportWord()
	}
	atomic.StoreUint64(&w[wordSupport], support)
	if gen++; gen == 0 {
		gen = 2 // 0 means "not initialized" to readers
	}
	atomic.StoreUint64(&w[wordHeader], packHeader(Size, Version, gen))
	atomic.StoreUint64(&w[wordMagic], magicWord())
	return nil
}

// Read fills b with a consistent copy of the record, without allocating.
// It fails with ErrNotPublished, ErrNotSegment, ErrBusy, ErrFault or an
// error naming an unsupported version, a short segment or a field a
// ClockBound client refuses.
func (s *Segment) Read(b *Bound) (err error) {
	defer fault.Catch(debug.SetPanicOnFault(true), &err)
	w := s.words[:words]
	if magic := atomic.LoadUint64(&w[wordMagic]); magic != magicWord() {
		if magic == 0 {
			return ErrNotPublished
		}
		return fmt.Errorf("clockbound: magic %#x: %w", magic, ErrNotSegment)
	}
	for range maxReadTries {
		size, version, gen := unpackHeader(atomic.LoadUint64(&w[wordHeader]))
		switch {
		case gen == 0 || version == 0:
			return ErrNotPublished
		case version != Version:
			return fmt.Errorf("clockbound: layout version %d, this reader reads version %d", version, Version)
		case size < Size:
			return fmt.Errorf("clockbound: segment size %d bytes, version %d needs %d: %w", size, Version, Size, ErrNotSegment)
		case gen%2 == 1:
			continue // the writer is updating
		}
		b.AsOf = timespec(atomic.LoadUint64(&w[wordAsOf]), atomic.LoadUint64(&w[wordAsOf+1]))
		b.VoidAfter = timespec(atomic.LoadUint64(&w[wordVoidAfter]), atomic.LoadUint64(&w[wordVoidAfter+1]))
		b.Bound = int64(atomic.LoadUint64(&w[wordBound]))
		b.DisruptionMarker = atomic.LoadUint64(&w[wordDisruption])
		drift, status := unpack32(atomic.LoadUint64(&w[wordDriftState]))
		b.MaxDriftPPB, b.Status = drift, Status(int32(status))
		b.DisruptionSupport = atomic.LoadUint64(&w[wordSupport])&supportWord() != 0
		if _, _, again := unpackHeader(atomic.LoadUint64(&w[wordHeader])); again == gen {
			return b.Validate()
		}
	}
	return ErrBusy
}

// timespec returns a timespec's seconds and nanoseconds as nanoseconds;
// -1, which Validate refuses, when they are out of range.
func timespec(sec, nsec uint64) int64 {
	if sec >= 1<<63/uint64(time.Second) || nsec >= uint64(time.Second) {
		return -1
	}
	return int64(sec*uint64(time.Second) + nsec)
}

// magicWord returns the magic number as word 0 holds it.
func magicWord() uint64 { return pack32(magicLow, magicHigh) }

// supportWord returns word 9 with the disruption support byte set.
func supportWord() uint64 {
	var b [8]byte
	b[0] = 1
	return binary.NativeEndian.Uint64(b[:])
}

// pack32 returns the word whose first four bytes hold first and last four
// hold second, in host byte order.
func pack32(first, second uint32) uint64 {
	var b [8]byte
	binary.NativeEndian.PutUint32(b[0:], first)
	binary.NativeEndian.PutUint32(b[4:], second)
	return binary.NativeEndian.Uint64(b[:])
}

// unpack32 splits a word packed by pack32.
func unpack32(w uint64) (first, second uint32) {
	var b [8]byte
	binary.NativeEndian.PutUint64(b[:], w)
	return binary.NativeEndian.Uint32(b[0:]), binary.NativeEndian.Uint32(b[4:])
}

// packHeader returns word 1: the segment size, the version and the
// generation.
func packHeader(size uint32, version, gen uint16) uint64 {
	var b [8]byte
	binary.NativeEndian.PutUint32(b[0:], size)
	binary.NativeEndian.PutUint16(b[4:], version)
	binary.NativeEndian.PutUint16(b[6:], gen)
	return binary.NativeEndian.Uint64(b[:])
}

// unpackHeader splits word 1.
func unpackHeader(w uint64) (size uint32, version, gen uint16) {
	var b [8]byte
	binary.NativeEndian.PutUint64(b[:], w)
	return binary.NativeEndian.Uint32(b[0:]), binary.NativeEndian.Uint16(b[4:]), binary.NativeEndian.Uint16(b[6:])
}
