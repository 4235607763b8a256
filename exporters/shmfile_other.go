//go:build !linux

package exporters

import "errors"

// shmLayout is what a shared memory file holds.
type shmLayout struct {
	size      int64
	flag      string
	notOurs   error
	claimable func(data []byte) bool
}

// shmFile stands for a shared memory file, which is published on Linux
// only.
type shmFile struct{ data []byte }

// openShmFile fails: shared memory is published on Linux only.
func openShmFile(string, shmLayout) (*shmFile, error) {
	return nil, errors.New("shm: shared memory is published on Linux only")
}

// restore has nothing to restore.
func (*shmFile) restore() error { return nil }

// close has nothing to close.
func (*shmFile) close() error { return nil }
