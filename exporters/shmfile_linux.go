package exporters

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/clockwatch/clockwatch/logicaltime/clockshm"
)

// shmFile is the clock file a writer holds: open, locked against a second
// writer, and mapped shared, read-write.
type shmFile struct {
	f    *os.File
	data []byte
}

// openShmFile opens or creates the clock file at path and maps it. It
// changes nothing until it knows the file is one the agent may take: a
// regular file (never a symbolic link) of this process's user, empty or
// holding a clock file, and not locked by another writer. It gives the
// file disk space so that stores to the mapping cannot fault on a full
// filesystem, and makes it world-readable.
func openShmFile(path string) (*shmFile, *clockshm.Region, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, nil, fmt.Errorf("shm: create directory for %s: %w", path, err)
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|syscall.O_NOFOLLOW, 0o644)
	if errors.Is(err, syscall.ELOOP) {
		return nil, nil, fmt.Errorf("shm: %s is a symbolic link; the agent publishes only to a file of its own (remove the link, or give --shm.path the file itself)", path)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("shm: %w (the agent must be able to create and write the file at --shm.path)", err)
	}
	s := &shmFile{f: f}
	region, err := s.take()
	if err != nil {
		f.Close()
		return nil, nil, fmt.Errorf("shm: %s: %w", path, err)
	}
	return s, region, nil
}

// take checks that the open file is one the agent may publish to, locks
// it, sizes it and maps it.
func (s *shmFile) take() (*clockshm.Region, error) {
	if err := checkOwnRegularFile(s.f); err != nil {
		return nil, err
	}
	fd := int(s.f.Fd())
	if err := unix.Flock(fd, unix.LOCK_EX|unix.LOCK_NB); errors.Is(err, unix.EWOULDBLOCK) {
		return nil, errors.New("another clockwatch agent is publishing to it (stop that one or give this one another --shm.path)")
	} else if err != nil {
		return nil, fmt.Errorf("lock: %w", err)
	}
	info, err := s.f.Stat()
	if err != nil {
		return nil, err
	}
	size := info.Size()
	if size > 0 && size < clockshm.Size {
		return nil, fmt.Errorf("%d bytes: %w (remove it or choose another --shm.path)", size, clockshm.ErrNotClockFile)
	}
	if err := allocate(s.f, size); err != nil {
		return nil, fmt.Errorf("allocate %d bytes: %w (free space on its filesystem or choose another --shm.path)", clockshm.Size, err)
	}
	s.data, err = unix.Mmap(fd, 0, clockshm.Size, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
	if err != nil {
		return nil, fmt.Errorf("map: %w", err)
	}
	region, err := clockshm.NewRegion(s.data)
	if err == nil && !region.Claimable() {
		err = fmt.Errorf("%w (remove it or choose another --shm.path)", clockshm.ErrNotClockFile)
	}
	if err == nil {
		err = s.f.Chmod(0o644)
	}
	if err != nil {
		unix.Munmap(s.data)
		return nil, err
	}
	return region, nil
}

// checkOwnRegularFile refuses f unless it is a regular file that belongs
// to this process's user: a device, a pipe or a file another user planted
// at the path is not the agent's to publish to.
func checkOwnRegularFile(f *os.File) error {
	info, err := f.Stat()
	if err != nil {
		return err
	}
	if !info.Mode().IsRegular() {
		return fmt.Errorf("not a regular file but %v: %w (remove it or choose another --shm.path)", info.Mode().Type(), clockshm.ErrNotClockFile)
	}
	if st, ok := info.Sys().(*syscall.Stat_t); ok && int(st.Uid) != os.Geteuid() {
		return fmt.Errorf("belongs to uid %d, not to this agent's uid %d (remove it or choose another --shm.path)", st.Uid, os.Geteuid())
	}
	return nil
}

// allocate gives f, which is size bytes long, disk space for its first
// clockshm.Size bytes, growing it to that length if shorter, so that a full
// filesystem is an error here rather than a fault when the mapping is
// stored to. On a filesystem without fallocate it grows the file as
// ftruncate does; a page that cannot be allocated later makes the region
// fail with clockshm.ErrFault.
func allocate(f *os.File, size int64) error {
	err := unix.Fallocate(int(f.Fd()), 0, 0, clockshm.Size)
	switch {
	case !errors.Is(err, unix.EOPNOTSUPP):
		return err
	case size < clockshm.Size:
		return f.Truncate(clockshm.Size)
	}
	return nil
}

// restore re-sizes the file when something shrank it, as `truncate -s 0`
// does. It returns nil when the file is whole, and otherwise an error that
// says what it found and whether re-sizing worked; readers get the record
// of the next publish.
func (s *shmFile) restore() error {
	var st unix.Stat_t
	if err := unix.Fstat(int(s.f.Fd()), &st); err != nil {
		return fmt.Errorf("check size: %w", err)
	}
	if st.Size >= clockshm.Size {
		return nil
	}
	if err := allocate(s.f, st.Size); err != nil {
		return fmt.Errorf("the file shrank to %d bytes (did another program truncate it?) and re-sizing it failed: %w (free space on its filesystem)", st.Size, err)
	}
	return fmt.Errorf("the file shrank to %d bytes (did another program truncate it?); re-sized it to %d bytes, readers get the next publish", st.Size, clockshm.Size)
}

// close unmaps the file and closes it, which drops the lock.
func (s *shmFile) close() error {
	return errors.Join(unix.Munmap(s.data), s.f.Close())
}
