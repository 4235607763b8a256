package exporters

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"

	"golang.org/x/sys/unix"
)

// shmLayout is what a shared memory file holds, as the writers of the
// agent's own clock file and of ClockBound's segment describe it.
type shmLayout struct {
	// size is the file's length in bytes.
	size int64
	// flag names the path's flag in messages, e.g. "--shm.path".
	flag string
	// notOurs is the error of a file that holds something else.
	notOurs error
	// claimable reports whether the mapped file may be taken: empty, or
	// holding this layout.
	claimable func(data []byte) bool
}

// shmFile is a shared memory file a writer holds: open, locked against a
// second writer, and mapped shared, read-write.
type shmFile struct {
	f      *os.File
	data   []byte
	layout shmLayout
}

// openShmFile opens or creates the file at path and maps layout.size bytes
// of it. It changes nothing until it knows the file is one the agent may
// take: a regular file (never a symbolic link) of this process's user,
// empty or holding the layout, and not locked by another writer. It gives
// the file disk space so that stores to the mapping cannot fault on a full
// filesystem, and makes it world-readable.
func openShmFile(path string, layout shmLayout) (*shmFile, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("shm: create directory for %s: %w", path, err)
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|syscall.O_NOFOLLOW, 0o644)
	if errors.Is(err, syscall.ELOOP) {
		return nil, fmt.Errorf("shm: %s is a symbolic link; the agent publishes only to a file of its own (remove the link, or give %s the file itself)", path, layout.flag)
	}
	if err != nil {
		return nil, fmt.Errorf("shm: %w (the agent must be able to create and write the file at %s)", err, layout.flag)
	}
	s := &shmFile{f: f, layout: layout}
	if err := s.take(); err != nil {
		f.Close()
		return nil, fmt.Errorf("shm: %s: %w", path, err)
	}
	return s, nil
}

// take checks that the open file is one the agent may publish to, locks
// it, sizes it and maps it.
func (s *shmFile) take() error {
	if err := s.checkOwnRegularFile(); err != nil {
		return err
	}
	fd := int(s.f.Fd())
	if err := unix.Flock(fd, unix.LOCK_EX|unix.LOCK_NB); errors.Is(err, unix.EWOULDBLOCK) {
		return fmt.Errorf("another clockwatch agent is publishing to it (stop that one or give this one another %s)", s.layout.flag)
	} else if err != nil {
		return fmt.Errorf("lock: %w", err)
	}
	info, err := s.f.Stat()
	if err != nil {
		return err
	}
	size := info.Size()
	if size > 0 && size < s.layout.size {
		return fmt.Errorf("%d bytes: %w (remove it or choose another %s)", size, s.layout.notOurs, s.layout.flag)
	}
	if err := s.allocate(size); err != nil {
		return fmt.Errorf("allocate %d bytes: %w (free space on its filesystem or choose another %s)", s.layout.size, err, s.layout.flag)
	}
	s.data, err = unix.Mmap(fd, 0, int(s.layout.size), unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
	if err != nil {
		return fmt.Errorf("map: %w", err)
	}
	if !s.layout.claimable(s.data) {
		err = fmt.Errorf("%w (remove it or choose another %s)", s.layout.notOurs, s.layout.flag)
	}
	if err == nil {
		err = s.f.Chmod(0o644)
	}
	if err != nil {
		unix.Munmap(s.data)
		return err
	}
	return nil
}

// checkOwnRegularFile refuses the file unless it is a regular file that
// belongs to this process's user: a device, a pipe or a file another user
// planted at the path is not the agent's to publish to.
func (s *shmFile) checkOwnRegularFile() error {
	info, err := s.f.Stat()
	if err != nil {
		return err
	}
	if !info.Mode().IsRegular() {
		return fmt.Errorf("not a regular file but %v: %w (remove it or choose another %s)", info.Mode().Type(), s.layout.notOurs, s.layout.flag)
	}
	if st, ok := info.Sys().(*syscall.Stat_t); ok && int(st.Uid) != os.Geteuid() {
		return fmt.Errorf("belongs to uid %d, not to this agent's uid %d (remove it or choose another %s)", st.Uid, os.Geteuid(), s.layout.flag)
	}
	return nil
}

// allocate gives the file, which is size bytes long, disk space for the
// layout's bytes, growing it to that length if shorter, so that a full
// filesystem is an error here rather than a fault when the mapping is
// stored to. On a filesystem without fallocate it grows the file as
// ftruncate does; a page that cannot be allocated later makes the
// layout's accesses fail with their ErrFault.
func (s *shmFile) allocate(size int64) error {
	err := unix.Fallocate(int(s.f.Fd()), 0, 0, s.layout.size)
	switch {
	case !errors.Is(err, unix.EOPNOTSUPP):
		return err
	case size < s.layout.size:
		return s.f.Truncate(s.layout.size)
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
	if st.Size >= s.layout.size {
		return nil
	}
	if err := s.allocate(st.Size); err != nil {
		return fmt.Errorf("the file shrank to %d bytes (did another program truncate it?) and re-sizing it failed: %w (free space on its filesystem)", st.Size, err)
	}
	return fmt.Errorf("the file shrank to %d bytes (did another program truncate it?); re-sized it to %d bytes, readers get the next publish", st.Size, s.layout.size)
}

// close unmaps the file and closes it, which drops the lock.
func (s *shmFile) close() error {
	return errors.Join(unix.Munmap(s.data), s.f.Close())
}
