//go:build linux

package ptp

import (
	"path/filepath"
	"testing"
	"time"
)

// TestRealPHC reads every PTP hardware clock of this machine. It runs only
// where /dev/ptp* exists.
func TestRealPHC(t *testing.T) {
	devices, _ := filepath.Glob("/dev/ptp[0-9]*")
	if len(devices) == 0 {
		t.Skip("no /dev/ptp* on this machine: no PTP hardware clock to read")
	}
	for _, dev := range devices {
		t.Run(dev, func(t *testing.T) {
			phc, err := OpenPHC(dev)
			if err != nil {
				t.Skipf("cannot open %s: %v", dev, err)
			}
			defer phc.Close()
			r, err := phc.Read()
			if err != nil {
				t.Fatal(err)
			}
			if r.Delay <= 0 || r.Delay > time.Millisecond || r.SysTime.IsZero() {
				t.Errorf("reading %+v: the best of several reads should take well under 1 ms", r)
			}
			t.Logf("%s: system − PHC = %v ± %v", dev, r.Offset, r.Delay/2)
		})
	}
}
