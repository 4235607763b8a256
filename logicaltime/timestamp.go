package logicaltime

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"time"
)

// Layout constants of a Timestamp; see Timestamp.
const (
	// LogicalBits is the width of the logical counter.
	LogicalBits = 16
	// Tick is the resolution of a Timestamp's physical part.
	Tick = time.Duration(1 << LogicalBits)

	logicalMask  = 1<<LogicalBits - 1
	maxTimestamp = math.MaxInt64
)

// Timestamp is a hybrid logical clock timestamp: a physical time and a
// logical counter packed into 64 bits. Timestamps compare like their packed
// integers: first by physical time, then by counter. The zero Timestamp is
// before every timestamp an HLC issues.
//
// Layout, most significant bit first:
//
//	bit  63      always 0, so a Timestamp also fits a signed 64-bit column
//	bits 62..16  physical time: Unix nanoseconds with the low 16 bits cleared
//	bits 15..0   logical counter
//
// The physical part therefore has a resolution of 2¹⁶ ns = 65.536 µs (Tick)
// and covers the range of time.Time.UnixNano: 1970-01-01T00:00:00Z to
// 2262-04-11T23:47:16.854Z. The logical counter counts up to 65535 events
// within one tick; the next event carries into the physical part, which
// then runs one tick ahead of the physical clock. Order and uniqueness are
// kept through a carry; only more than one event per nanosecond, sustained,
// moves the physical part noticeably away from real time.
type Timestamp struct {
	bits uint64
}

// ErrTimestampRange is wrapped by the errors of decoders given a value
// outside the range a Timestamp can hold.
var ErrTimestampRange = errors.New("timestamp out of range (top bit set: not a logicaltime timestamp)")

// TimestampAt returns the first timestamp of physical time t: t truncated to
// the Tick with a logical counter of 0. Every timestamp an HLC issues at or
// after physical time t compares at or after it. Times before 1970 give the
// zero Timestamp; times after 2262-04-11 give the largest one.
func TimestampAt(t time.Time) Timestamp {
	return Timestamp{bits: uint64(unixNanoClamped(t)) &^ logicalMask}
}

// TimestampFromUint64 returns the Timestamp whose packed form is v, as
// returned by Timestamp.Uint64. It fails for values with the top bit set.
func TimestampFromUint64(v uint64) (Timestamp, error) {
	if v > maxTimestamp {
		return Timestamp{}, fmt.Errorf("logicaltime: %#x: %w", v, ErrTimestampRange)
	}
	return Timestamp{bits: v}, nil
}

// Uint64 returns the packed form of ts; it is below 2⁶³, so it also fits an
// int64. Integers compare like the timestamps they hold.
func (ts Timestamp) Uint64() uint64 { return ts.bits }

// Compare returns -1 if ts is before u, 0 if they are equal and +1 if ts is
// after u.
func (ts Timestamp) Compare(u Timestamp) int { return cmp.Compare(ts.bits, u.bits) }

// Before reports whether ts is before u.
func (ts Timestamp) Before(u Timestamp) bool { return ts.bits < u.bits }

// After reports whether ts is after u.
func (ts Timestamp) After(u Timestamp) bool { return ts.bits > u.bits }

// IsZero reports whether ts is the zero Timestamp.
func (ts Timestamp) IsZero() bool { return ts.bits == 0 }

// Time returns the physical part of ts in UTC. It is a multiple of Tick
// after the Unix epoch.
func (ts Timestamp) Time() time.Time { return time.Unix(0, int64(ts.physicalNanos())).UTC() }

// Logical returns the logical counter of ts.
func (ts Timestamp) Logical() uint16 { return uint16(ts.bits & logicalMask) }

// physicalNanos returns the physical part as Unix nanoseconds.
func (ts Timestamp) physicalNanos() uint64 { return ts.bits &^ logicalMask }

// unixNanoClamped returns t as Unix nanoseconds clamped to [0, MaxInt64],
// where time.Time.UnixNano would be undefined.
func unixNanoClamped(t time.Time) int64 {
	switch sec := t.Unix(); {
	case sec < 0:
		return 0
	case sec >= math.MaxInt64/int64(time.Second):
		if t.After(time.Unix(0, math.MaxInt64)) {
			return math.MaxInt64
		}
	}
	return t.UnixNano()
}
