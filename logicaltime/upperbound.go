package logicaltime

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
)

// UpperBoundFile persists an upper bound of the timestamps a process issues,
// so that a restarted process continues above every timestamp it issued
// before, even when the system clock went back in between (CockroachDB's
// wall-time upper bound). Attach it to an HLC with WithUpperBound.
//
// The file holds one timestamp in its text form and a newline.
type UpperBoundFile struct {
	path  string
	bound atomic.Uint64
}

// OpenUpperBoundFile reads the upper bound persisted at path. A missing file
// is a bound of zero: nothing was issued before. The file and its directory
// are created on the first Store.
func OpenUpperBoundFile(path string) (*UpperBoundFile, error) {
	f := &UpperBoundFile{path: path}
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return f, nil
	}
	if err != nil {
		return nil, fmt.Errorf("logicaltime: read upper bound file: %w", err)
	}
	ts, err := parseUpperBound(data)
	if err != nil {
		return nil, fmt.Errorf("logicaltime: upper bound file %s: %w (repair it by hand; removing it lets a restarted clock reuse timestamps if the system clock went back)", path, err)
	}
	f.bound.Store(ts.bits)
	return f, nil
}

// Bound returns the upper bound last read or stored.
func (f *UpperBoundFile) Bound() Timestamp { return Timestamp{bits: f.bound.Load()} }

// Store persists ts as the new upper bound: it writes a temporary file in
// the same directory, syncs it and renames it over the old one, so a crash
// leaves either the old bound or the new one.
func (f *UpperBoundFile) Store(ts Timestamp) error {
	if err := writeFileAtomic(f.path, append(ts.appendText(make([]byte, 0, TextLen+1)), '\n')); err != nil {
		return fmt.Errorf("logicaltime: store upper bound %s: %w", ts, err)
	}
	f.bound.Store(ts.bits)
	return nil
}

// parseUpperBound parses the contents of an upper bound file.
func parseUpperBound(data []byte) (Timestamp, error) {
	return parseTimestamp(bytes.TrimSuffix(data, []byte("\n")))
}

// writeFileAtomic replaces path with data, durably.
func writeFileAtomic(path string, data []byte) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	_, err = tmp.Write(data)
	if err == nil {
		err = tmp.Chmod(0o644)
	}
	if err == nil {
		err = tmp.Sync()
	}
	if closeErr := tmp.Close(); err == nil {
		err = closeErr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		return err
	}
	return syncDir(dir)
}

// syncDir makes a rename in dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// upperBoundKeeper extends an HLC's persisted upper bound ahead of the
// timestamps it issues, one window at a time.
type upperBoundKeeper struct {
	file   *UpperBoundFile
	window uint64

	mu  sync.Mutex
	err error
}

// extend persists a bound one window beyond v unless another caller already
// did, then lets the HLC issue timestamps up to it. If the write fails the
// clock carries on (Now cannot fail) and the error is kept for
// UpperBoundErr; the write is retried one window later.
func (k *upperBoundKeeper) extend(c *HLC, v uint64) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if v < c.limit.Load() {
		return
	}
	next := min(v, maxTimestamp-k.window) + k.window
	if err := k.file.Store(Timestamp{bits: next}); err != nil {
		k.err = err
	}
	c.limit.Store(next)
}

// UpperBoundErr returns the error of the most recent failed write of the
// upper bound file; nil if none failed or no file is attached. After an error,
// timestamps issued until the next successful write may repeat after a
// restart if the system clock also went back.
func (c *HLC) UpperBoundErr() error {
	if c.upper == nil {
		return nil
	}
	c.upper.mu.Lock()
	defer c.upper.mu.Unlock()
	return c.upper.err
}
