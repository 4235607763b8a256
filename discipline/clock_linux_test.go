//go:build linux

package discipline

import (
	"testing"
	"time"
)

// TestSystemClockState reads the real kernel clock state. It only reads
// (clock_adjtime with modes 0): no test ever changes this machine's clock.
func TestSystemClockState(t *testing.T) {
	k, err := SystemClock{}.State()
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("kernel: frequency %.3f ppm, offset %v, status %#x, max error %v, est error %v", k.Frequency*1e6, k.Offset, uint32(k.Status), k.MaxError, k.EstError)
	if k.Frequency < -DefaultMaxFrequency || k.Frequency > DefaultMaxFrequency {
		t.Errorf("frequency %g beyond the kernel's ±500 ppm", k.Frequency)
	}
	if k.MaxError < 0 || k.MaxError > MaxKernelError || k.EstError < 0 {
		t.Errorf("errors out of range: max %v, estimated %v", k.MaxError, k.EstError)
	}
	if !k.Synchronized() && k.Status&StatusUnsync == 0 {
		t.Error("Synchronized disagrees with the status bits")
	}
}

func TestRequireTimeCapability(t *testing.T) {
	tests := []struct {
		name      string
		effective uint64
		ok        bool
	}{
		{name: "none", effective: 0},
		{name: "everything but CAP_SYS_TIME", effective: ^uint64(1 << 25)},
		{name: "CAP_SYS_TIME", effective: 1 << 25, ok: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := requireTimeCapability(tc.effective); (err == nil) != tc.ok {
				t.Fatalf("requireTimeCapability(%#x) = %v, want ok %v", tc.effective, err, tc.ok)
			}
		})
	}
}

func TestKernelMicros(t *testing.T) {
	tests := []struct {
		in   time.Duration
		want int64
	}{
		{in: 0, want: 0},
		{in: -time.Second, want: 0},
		{in: 1, want: 1},
		{in: 1500 * time.Nanosecond, want: 2},
		{in: time.Hour, want: 16_000_000},
	}
	for _, tc := range tests {
		if got := kernelMicros(tc.in); got != tc.want {
			t.Errorf("kernelMicros(%v) = %d, want %d", tc.in, got, tc.want)
		}
	}
}
