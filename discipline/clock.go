package discipline

import "time"

// Clock is the system clock as the discipline steers it: the system-call
// layer, behind an interface so that tests and simulations can fake it.
type Clock interface {
	// State reads the kernel's clock discipline state without changing
	// anything.
	State() (KernelState, error)
	// SetFrequency sets the kernel's frequency correction: from now on the
	// clock runs faster by freq (a ratio; −50e-6 slows it by 50 ppm).
	SetFrequency(freq float64) error
	// Step moves the clock's reading by d at once.
	Step(d time.Duration) error
	// SetSync publishes how well the clock is synchronized.
	SetSync(s SyncState) error
}

// Status is the kernel clock's status word (adjtimex(2) STA_* bits).
type Status uint32

// Status bits, as in Linux's <linux/timex.h>.
const (
	StatusPLL       Status = 0x0001 // phase-locked loop updates enabled
	StatusPPSFreq   Status = 0x0002 // PPS frequency discipline enabled
	StatusPPSTime   Status = 0x0004 // PPS time discipline enabled
	StatusFLL       Status = 0x0008 // frequency-locked loop mode
	StatusInsert    Status = 0x0010 // insert a leap second at midnight
	StatusDelete    Status = 0x0020 // delete a leap second at midnight
	StatusUnsync    Status = 0x0040 // clock unsynchronized
	StatusFreqHold  Status = 0x0080 // hold the frequency
	StatusNanoUnits Status = 0x2000 // offsets are in nanoseconds, not microseconds
)

// KernelState is the kernel's view of the clock's discipline, as adjtimex
// reports it.
type KernelState struct {
	// Frequency is the frequency correction in force (a ratio).
	Frequency float64
	// Offset is what remains of a phase adjustment the kernel is slewing
	// (adjtime(3) or the kernel PLL); zero when none is in progress.
	Offset time.Duration
	// Status holds the STA_* bits.
	Status Status
	// MaxError and EstError are the maximum and estimated error last set
	// by whoever disciplines the clock; the kernel grows MaxError by
	// 500 µs every second and marks the clock unsynchronized at 16 s.
	MaxError, EstError time.Duration
}

// Synchronized reports whether someone marked the clock synchronized.
func (k KernelState) Synchronized() bool { return k.Status&StatusUnsync == 0 }

// SyncState is what the discipline tells the kernel, and through it other
// tools, about the clock's synchronization.
type SyncState struct {
	// Synchronized clears the kernel's unsynchronized flag.
	Synchronized bool
	// MaxError bounds |clock − true time|; EstError is the error bound of
	// the estimate the clock was steered by.
	MaxError, EstError time.Duration
}

// MaxKernelError is the largest error the kernel keeps (NTP's phase limit):
// at that maximum error it marks the clock unsynchronized.
const MaxKernelError = 16 * time.Second
