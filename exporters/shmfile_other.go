//go:build !linux

package exporters

import (
	"errors"

	"github.com/clockwatch/clockwatch/logicaltime/clockshm"
)

// shmFile stands for the clock file, which is published on Linux only.
type shmFile struct{}

// openShmFile fails: the shared memory clock is published on Linux only.
func openShmFile(string) (*shmFile, *clockshm.Region, error) {
	return nil, nil, errors.New("shm: the shared memory clock is supported on Linux only")
}

// restore has nothing to restore.
func (*shmFile) restore() error { return nil }

// close has nothing to close.
func (*shmFile) close() error { return nil }
