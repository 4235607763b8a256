// Package filelimit reads whole files up to a size limit, so that a flag
// or key naming the wrong file (a log, a device, /dev/zero) fails at once
// with an error instead of filling the agent's memory.
package filelimit

import (
	"errors"
	"fmt"
	"io"
	"os"
)

// ErrTooLarge is wrapped by Read's error for a file past its limit.
var ErrTooLarge = errors.New("file too large")

// Read reads the file at path whole if it holds at most limit bytes. A
// larger or endless file is read no further than limit+1 bytes and gives
// an error that wraps ErrTooLarge and names the file and the limit; the
// caller adds what to do about it.
func Read(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	if int64(len(data)) > limit {
		return nil, &tooLargeError{path: path, limit: limit}
	}
	return data, nil
}

// tooLargeError is Read's error for a file past its limit.
type tooLargeError struct {
	path  string
	limit int64
}

func (e *tooLargeError) Error() string {
	return fmt.Sprintf("%s is larger than %s", e.path, size(e.limit))
}

func (e *tooLargeError) Unwrap() error { return ErrTooLarge }

// size writes n bytes as a person reads it: "1 MiB", "64 KiB", "100 bytes".
func size(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	default:
		return fmt.Sprintf("%d bytes", n)
	}
}
