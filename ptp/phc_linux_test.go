package ptp

import (
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// TestFastestReading: of the readings the kernel returned, the one with
// the shortest system clock interval is kept, read at its middle; slots
// past Samples are ignored.
func TestFastestReading(t *testing.T) {
	at := func(sec int64, nsec uint32) unix.PtpClockTime { return unix.PtpClockTime{Sec: sec, Nsec: nsec} }
	var ext unix.PtpSysOffsetExtended
	ext.Samples = 3
	// system before, PHC (37 s ahead, TAI), system after
	ext.Ts[0] = [3]unix.PtpClockTime{at(100, 0), at(137, 400), at(100, 1000)}     // 1000 ns
	ext.Ts[1] = [3]unix.PtpClockTime{at(100, 2000), at(137, 2150), at(100, 2400)} // 400 ns: the fastest
	ext.Ts[2] = [3]unix.PtpClockTime{at(100, 5000), at(137, 5500), at(100, 5600)} // 600 ns
	ext.Ts[3] = [3]unix.PtpClockTime{at(100, 9000), at(137, 9000), at(100, 9001)} // past Samples
	got := fastestReading(&ext)
	want := PHCReading{SysTime: time.Unix(100, 2200), Offset: -37*time.Second + 50*time.Nanosecond, Delay: 400 * time.Nanosecond}
	if got != want {
		t.Errorf("fastestReading = %+v, want %+v", got, want)
	}
	ext.Samples = 0
	if got := fastestReading(&ext); got.Delay != 1000*time.Nanosecond {
		t.Errorf("no samples: %+v, want the first slot", got)
	}
}

// TestInterfacePHCOfLoopback: loopback has no PHC, and the error says so
// (or that the request failed), never a device.
func TestInterfacePHCOfLoopback(t *testing.T) {
	if dev, err := interfacePHC("lo"); err == nil {
		t.Errorf("loopback's PHC is %q, want an error", dev)
	}
}
