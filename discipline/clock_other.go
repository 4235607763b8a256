//go:build !linux

package discipline

import "time"

// SystemClock is the system clock. Steering it is implemented for Linux
// only; here every method fails with ErrUnsupported.
type SystemClock struct{}

// State fails: there is no adjtimex here.
func (SystemClock) State() (KernelState, error) { return KernelState{}, ErrUnsupported }

// SetFrequency fails: there is no adjtimex here.
func (SystemClock) SetFrequency(float64) error { return ErrUnsupported }

// Step fails: there is no adjtimex here.
func (SystemClock) Step(time.Duration) error { return ErrUnsupported }

// SetSync fails: there is no adjtimex here.
func (SystemClock) SetSync(SyncState) error { return ErrUnsupported }
