package clockbound

import (
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// Open maps the segment at path read-only and shared, as a ClockBound
// client does, so the writer's updates show through; Close unmaps it. The
// file must be at least Size bytes long; what it holds is checked by Read.
func Open(path string) (*Segment, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("clockbound: %w", err)
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("clockbound: %w", err)
	}
	if info.Size() < Size {
		return nil, fmt.Errorf("clockbound: %s is %d bytes, version %d needs %d: %w", path, info.Size(), Version, Size, ErrNotSegment)
	}
	data, err := unix.Mmap(int(f.Fd()), 0, Size, unix.PROT_READ, unix.MAP_SHARED)
	if err != nil {
		return nil, fmt.Errorf("clockbound: map %s: %w", path, err)
	}
	s, err := NewSegment(data)
	if err != nil {
		unix.Munmap(data)
		return nil, err
	}
	s.unmap = func() error { return unix.Munmap(data) }
	return s, nil
}
