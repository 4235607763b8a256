package ptp

import (
	"time"
)

// PHCReading is one comparison of the system clock with a PTP hardware
// clock: the best (fastest) of several back-to-back reads.
type PHCReading struct {
	// SysTime is the system clock at the middle of the read.
	SysTime time.Time
	// Offset is system clock − PHC, with the PHC in its own timescale
	// (usually TAI).
	Offset time.Duration
	// Delay is how long the read took between its two system clock
	// readings: the PHC was read somewhere inside, so Offset is exact to
	// ±Delay/2.
	Delay time.Duration
}

// PHC reads a PTP hardware clock against the system clock. OpenPHC gives
// the real one; tests use a fake.
type PHC interface {
	Read() (PHCReading, error)
	Close() error
}

// maxUTCOffsetSlack is how far the PHC − system difference may be from
// the TAI−UTC offset for the PHC to count as running TAI.
const maxUTCOffsetSlack = 500 * time.Millisecond

// phcTimescaleOffset returns what to add to a raw system − PHC offset to
// compare the system clock (UTC) with the PHC's time as UTC: taiMinusUTC
// when the PHC runs TAI (it reads about that much ahead, as a PHC
// disciplined by ptp4l from a PTP-timescale grandmaster does), 0 when it
// runs UTC or is too far off to tell.
func phcTimescaleOffset(raw, taiMinusUTC time.Duration) time.Duration {
	if d := raw + taiMinusUTC; d < maxUTCOffsetSlack && d > -maxUTCOffsetSlack {
		return taiMinusUTC
	}
	return 0
}

// defaultTAIMinusUTC is TAI − UTC since 2017, used when the kernel was
// never told the offset.
const defaultTAIMinusUTC = 37 * time.Second
