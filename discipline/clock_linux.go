//go:build linux

package discipline

import (
	"fmt"
	"time"

	"golang.org/x/sys/unix"
)

// SystemClock is the system clock (CLOCK_REALTIME), steered with
// clock_adjtime(2). Reading its State needs no privileges; changing it
// needs CAP_SYS_TIME.
type SystemClock struct{}

// Modes of clock_adjtime(2), from <linux/timex.h>.
const (
	adjFrequency = 0x0002
	adjMaxError  = 0x0004
	adjEstError  = 0x0008
	adjStatus    = 0x0010
	adjSetOffset = 0x0100
	adjNano      = 0x2000
)

// ppmScale is the kernel's unit of frequency: ppm with a 16-bit fraction.
const ppmScale = 65536e6

// keptStatus are the bits SetSync leaves as they are: the leap second
// announcement belongs to whoever knows about leap seconds.
const keptStatus = StatusInsert | StatusDelete

// State reads the clock's discipline state (mode 0: changes nothing).
func (SystemClock) State() (KernelState, error) {
	tx, err := adjtime(&unix.Timex{})
	if err != nil {
		return KernelState{}, err
	}
	offsetUnit := time.Microsecond
	if Status(tx.Status)&StatusNanoUnits != 0 {
		offsetUnit = time.Nanosecond
	}
	return KernelState{
		Frequency: float64(tx.Freq) / ppmScale,
		Offset:    time.Duration(tx.Offset) * offsetUnit,
		Status:    Status(tx.Status),
		MaxError:  time.Duration(tx.Maxerror) * time.Microsecond,
		EstError:  time.Duration(tx.Esterror) * time.Microsecond,
	}, nil
}

// SetFrequency sets the frequency correction.
func (SystemClock) SetFrequency(freq float64) error {
	tx := unix.Timex{Modes: adjFrequency}
	setField(&tx.Freq, int64(freq*ppmScale))
	_, err := adjtime(&tx)
	return err
}

// Step moves the clock by d in one go (ADJ_SETOFFSET, nanoseconds).
func (SystemClock) Step(d time.Duration) error {
	sec, nsec := int64(d/time.Second), int64(d%time.Second)
	if nsec < 0 {
		sec, nsec = sec-1, nsec+int64(time.Second)
	}
	tx := unix.Timex{Modes: adjSetOffset | adjNano}
	setField(&tx.Time.Sec, sec)
	setField(&tx.Time.Usec, nsec)
	_, err := adjtime(&tx)
	return err
}

// SetSync sets the unsynchronized flag, the maximum and the estimated
// error. It turns the kernel PLL off (the discipline steers the frequency
// itself) and keeps the leap second bits.
func (c SystemClock) SetSync(s SyncState) error {
	now, err := c.State()
	if err != nil {
		return err
	}
	status := now.Status & keptStatus
	if !s.Synchronized {
		status |= StatusUnsync
	}
	tx := unix.Timex{Modes: adjStatus | adjMaxError | adjEstError, Status: int32(status)}
	setField(&tx.Maxerror, kernelMicros(s.MaxError))
	setField(&tx.Esterror, kernelMicros(s.EstError))
	_, err = adjtime(&tx)
	return err
}

// kernelMicros converts an error to the kernel's microseconds, rounded up
// and capped at MaxKernelError.
func kernelMicros(d time.Duration) int64 {
	d = min(max(d, 0), MaxKernelError)
	return int64((d + time.Microsecond - 1) / time.Microsecond)
}

// setField sets a field of unix.Timex, which is 32 bits wide on 32-bit
// systems and 64 bits elsewhere.
func setField[T ~int32 | ~int64](field *T, v int64) { *field = T(v) }

// adjtime calls clock_adjtime on CLOCK_REALTIME.
func adjtime(tx *unix.Timex) (*unix.Timex, error) {
	if _, err := unix.ClockAdjtime(unix.CLOCK_REALTIME, tx); err != nil {
		if tx.Modes != 0 && (err == unix.EPERM || err == unix.EACCES) {
			return nil, fmt.Errorf("discipline: adjusting the system clock: %w (%s)", err, capabilityAdvice)
		}
		return nil, fmt.Errorf("discipline: clock_adjtime(CLOCK_REALTIME, modes %#x): %w", tx.Modes, err)
	}
	return tx, nil
}
