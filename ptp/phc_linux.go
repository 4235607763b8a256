//go:build linux

package ptp

import (
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/facebook/time/phc"
	"golang.org/x/sys/unix"
)

// phcDevice is a PHC read with PTP_SYS_OFFSET_EXTENDED against
// CLOCK_REALTIME.
type phcDevice struct {
	file *os.File
}

// OpenPHC opens a PTP hardware clock by device path ("/dev/ptp0") or by
// the network interface it belongs to ("eth0").
func OpenPHC(name string) (PHC, error) {
	path := name
	if !strings.Contains(name, "/") {
		p, err := phc.IfaceToPHCDevice(name)
		if err != nil {
			return nil, fmt.Errorf("ptp: finding the PHC of interface %s: %w (does the NIC support hardware timestamps? see ethtool -T)", name, err)
		}
		path = p
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("ptp: open PHC: %w (is the PTP driver loaded, and may this user read the device?)", err)
	}
	return &phcDevice{file: f}, nil
}

// Read takes phc.ExtendedNumProbes back-to-back readings of the PHC
// between two of the system clock and keeps the fastest.
func (d *phcDevice) Read() (PHCReading, error) {
	ext, err := phc.FromFile(d.file).ReadSysoffExtendedRealTimeClock()
	if err != nil {
		return PHCReading{}, fmt.Errorf("ptp: PTP_SYS_OFFSET_EXTENDED on %s: %w (kernel or driver too old?)", d.file.Name(), err)
	}
	best := ext.BestSample()
	return PHCReading{SysTime: best.SysTime, Offset: best.Offset, Delay: best.Delay}, nil
}

// Close closes the device.
func (d *phcDevice) Close() error { return d.file.Close() }

// kernelTAIOffset is the kernel's TAI − UTC (set by chronyd or phc2sys),
// or defaultTAIMinusUTC when it was never set.
func kernelTAIOffset() time.Duration {
	var tx unix.Timex
	if _, err := unix.Adjtimex(&tx); err != nil || tx.Tai == 0 {
		return defaultTAIMinusUTC
	}
	return time.Duration(tx.Tai) * time.Second
}
