//go:build linux

package discipline

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// CheckCapability returns ErrNoCapability unless this process has
// CAP_SYS_TIME in its effective set. It only reads the capabilities.
func CheckCapability() error {
	hdr := unix.CapUserHeader{Version: unix.LINUX_CAPABILITY_VERSION_3}
	var data [2]unix.CapUserData
	if err := unix.Capget(&hdr, &data[0]); err != nil {
		return fmt.Errorf("discipline: reading this process's capabilities: %w", err)
	}
	return requireTimeCapability(uint64(data[1].Effective)<<32 | uint64(data[0].Effective))
}

// requireTimeCapability checks an effective capability set.
func requireTimeCapability(effective uint64) error {
	if effective&(1<<unix.CAP_SYS_TIME) == 0 {
		return ErrNoCapability
	}
	return nil
}
