//go:build !linux

package logicaltime

import "errors"

// mapReadOnly fails: the agent publishes its estimate on Linux only.
func mapReadOnly(string) ([]byte, func() error, error) {
	return nil, nil, errors.New("logicaltime: the shared memory clock is supported on Linux only")
}
