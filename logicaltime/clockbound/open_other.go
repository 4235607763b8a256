//go:build !linux

package clockbound

// Open fails: ClockBound runs on Linux only.
func Open(string) (*Segment, error) { return nil, errNotLinux }
