package main

import "testing"

// TestServerIPsAreDistinctLoopback: chronyd takes one server per address,
// so every server needs a loopback address of its own, or the chronyd
// client would poll fewer servers than clockwatch.
func TestServerIPsAreDistinctLoopback(t *testing.T) {
	seen := map[string]bool{}
	for i := range 254 {
		ip := serverIP(i)
		if !ip.IsLoopback() || seen[ip.String()] {
			t.Fatalf("server %d: %v is not a loopback address of its own", i, ip)
		}
		seen[ip.String()] = true
	}
}
