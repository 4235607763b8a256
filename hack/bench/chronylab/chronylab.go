// Package chronylab holds what the benches that run a chronyd client beside
// clockwatch need to keep that comparison fair.
//
// chronyd identifies a source by its IP address alone: a second "server"
// line with the same address and another port is refused ("Could not add
// source") and chronyd polls fewer servers than clockwatch, which polls them
// all. Every server (or relay in front of one) a bench gives both clients
// therefore needs a loopback address of its own, and the bench must check
// that chronyd took every one.
package chronylab

import (
	"bytes"
	"fmt"
	"net/netip"
	"os"
	"time"
)

// LoopbackIP is the loopback address of server i (from 0): 127.0.0.1,
// 127.0.0.2, ... up to i = 253. Linux answers on all of 127.0.0.0/8.
func LoopbackIP(i int) netip.Addr {
	if i < 0 || i > 253 {
		panic(fmt.Sprintf("chronylab: server %d: only 254 loopback addresses of the form 127.0.0.N", i))
	}
	return netip.AddrFrom4([4]byte{127, 0, 0, byte(i + 1)})
}

// WaitForSources waits until the chronyd whose output goes to the log file
// at path has selected a source, and fails if it refused any server or
// selected none within timeout.
func WaitForSources(path string, timeout time.Duration) error {
	for deadline := time.Now().Add(timeout); ; time.Sleep(100 * time.Millisecond) {
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if bytes.Contains(b, []byte("Could not add source")) {
			return fmt.Errorf("chronyd refused a server, so it would poll fewer than clockwatch; its log %s:\n%s", path, b)
		}
		if bytes.Contains(b, []byte("Selected source")) {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("chronyd selected no source in %v (see %s)", timeout, path)
		}
	}
}
