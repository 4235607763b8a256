package clockshm

import (
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// kernelMonotonic reads CLOCK_MONOTONIC through the system call.
func kernelMonotonic(t *testing.T) int64 {
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts); err != nil {
		t.Fatal(err)
	}
	return ts.Nano()
}

// TestMonotonicClockMatchesKernel checks that readings fall between kernel
// readings taken before and after, within the stated uncertainty.
func TestMonotonicClockMatchesKernel(t *testing.T) {
	m, err := NewMonotonicClock()
	if err != nil {
		t.Fatal(err)
	}
	if m.Uncertainty() <= 0 || m.Uncertainty() > time.Millisecond {
		t.Errorf("Uncertainty() = %v, want a positive value below 1ms", m.Uncertainty())
	}
	slack := int64(m.Uncertainty())
	for range 100 {
		before := kernelMonotonic(t)
		got := m.Now()
		withWall, _ := m.NowAndWall()
		after := kernelMonotonic(t)
		if got < before-slack || withWall > after+slack || got > withWall+slack {
			t.Fatalf("readings %d, %d outside kernel readings [%d, %d] ± %d", got, withWall, before, after, slack)
		}
	}
}
