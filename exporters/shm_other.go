//go:build !linux

package exporters

import "errors"

// openShmFile fails: the shared memory clock is published on Linux only.
func openShmFile(string) ([]byte, func() error, error) {
	return nil, nil, errors.New("shm: the shared memory clock is supported on Linux only")
}
