//go:build !linux

package discipline

// CheckCapability fails: steering the clock is implemented for Linux only.
func CheckCapability() error { return ErrUnsupported }
