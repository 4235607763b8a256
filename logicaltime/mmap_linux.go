package logicaltime

import (
	"errors"
	"fmt"
	"io/fs"
	"os"

	"golang.org/x/sys/unix"

	"github.com/clockwatch/clockwatch/logicaltime/clockshm"
)

// mapReadOnly maps the first clockshm.Size bytes of the file at path
// read-only and shared, so the agent's updates show through.
func mapReadOnly(path string) (data []byte, unmap func() error, err error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil, fmt.Errorf("logicaltime: shared memory clock %s does not exist: %w (start it: clockwatch run --shm.path %s)", path, ErrAgentNotRunning, path)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("logicaltime: open shared memory clock: %w", err)
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, nil, fmt.Errorf("logicaltime: shared memory clock: %w", err)
	}
	if info.Size() < clockshm.Size {
		return nil, nil, fmt.Errorf("logicaltime: shared memory clock %s is %d bytes, want %d: %w (or the agent is just starting; retry)", path, info.Size(), clockshm.Size, clockshm.ErrNotClockFile)
	}
	data, err = unix.Mmap(int(f.Fd()), 0, clockshm.Size, unix.PROT_READ, unix.MAP_SHARED)
	if err != nil {
		return nil, nil, fmt.Errorf("logicaltime: map shared memory clock %s: %w", path, err)
	}
	return data, func() error { return unix.Munmap(data) }, nil
}
