//go:build linux

package ptp

import (
	"fmt"
	"os"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// phcProbes is how many PHC readings one PTP_SYS_OFFSET_EXTENDED takes,
// each between two readings of the system clock (as facebook/time and
// phc2sys take).
const phcProbes = 9

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
		p, err := interfacePHC(name)
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

// interfacePHC returns the PHC device of a network interface
// (/dev/ptpN), as `ethtool -T` shows it.
func interfacePHC(name string) (string, error) {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return "", fmt.Errorf("socket for the ethtool request: %w", err)
	}
	defer unix.Close(fd)
	info, err := unix.IoctlGetEthtoolTsInfo(fd, name)
	if err != nil {
		return "", fmt.Errorf("ETHTOOL_GET_TS_INFO: %w", err)
	}
	if info.Phc_index < 0 {
		return "", fmt.Errorf("interface %s has no PHC", name)
	}
	return fmt.Sprintf("/dev/ptp%d", info.Phc_index), nil
}

// Read takes phcProbes back-to-back readings of the PHC between two of
// the system clock (CLOCK_REALTIME) and keeps the fastest.
func (d *phcDevice) Read() (PHCReading, error) {
	ext, err := unix.IoctlPtpSysOffsetExtended(int(d.file.Fd()), phcProbes)
	if err != nil {
		return PHCReading{}, fmt.Errorf("ptp: PTP_SYS_OFFSET_EXTENDED on %s: %w (kernel or driver too old?)", d.file.Name(), err)
	}
	return fastestReading(ext), nil
}

// fastestReading is the reading of ext whose two system clock readings
// are closest: the PHC is read between them, so at their middle with an
// error of at most half their distance.
func fastestReading(ext *unix.PtpSysOffsetExtended) PHCReading {
	n := min(max(int(ext.Samples), 1), len(ext.Ts))
	var best PHCReading
	for i, ts := range ext.Ts[:n] {
		before, phc, after := ptpTime(ts[0]), ptpTime(ts[1]), ptpTime(ts[2])
		delay := after.Sub(before)
		if i > 0 && delay >= best.Delay {
			continue
		}
		mid := before.Add(delay / 2)
		best = PHCReading{SysTime: mid, Offset: mid.Sub(phc), Delay: delay}
	}
	return best
}

// ptpTime converts the kernel's PTP time.
func ptpTime(t unix.PtpClockTime) time.Time { return time.Unix(t.Sec, int64(t.Nsec)) }

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
