package exporters

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"

	"github.com/clockwatch/clockwatch/logicaltime/clockshm"
)

// openShmFile opens or creates the clock file at path, locks it against a
// second writer, sizes it and maps it shared, read-write. release unmaps it
// and closes the file, which drops the lock.
func openShmFile(path string) (data []byte, release func() error, err error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, nil, fmt.Errorf("shm: create directory for %s: %w", path, err)
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, nil, fmt.Errorf("shm: %w", err)
	}
	data, err = lockAndMap(f)
	if err != nil {
		f.Close()
		return nil, nil, fmt.Errorf("shm: %s: %w", path, err)
	}
	return data, func() error {
		return errors.Join(unix.Munmap(data), f.Close())
	}, nil
}

// lockAndMap takes the writer's lock on f, makes it world-readable and
// clockshm.Size bytes long, and maps it.
func lockAndMap(f *os.File) ([]byte, error) {
	fd := int(f.Fd())
	if err := unix.Flock(fd, unix.LOCK_EX|unix.LOCK_NB); errors.Is(err, unix.EWOULDBLOCK) {
		return nil, errors.New("another clockwatch agent is publishing to it (stop that one or give this one another --shm.path)")
	} else if err != nil {
		return nil, fmt.Errorf("lock: %w", err)
	}
	if err := f.Chmod(0o644); err != nil {
		return nil, err
	}
	info, err := f.Stat()
	if err != nil {
		return nil, err
	}
	switch size := info.Size(); {
	case size > 0 && size < clockshm.Size:
		return nil, fmt.Errorf("%d bytes: %w (remove it or choose another --shm.path)", size, clockshm.ErrNotClockFile)
	case size == 0:
		if err := f.Truncate(clockshm.Size); err != nil {
			return nil, err
		}
	}
	data, err := unix.Mmap(fd, 0, clockshm.Size, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
	if err != nil {
		return nil, fmt.Errorf("map: %w", err)
	}
	return data, nil
}
