package exporters

import (
	"errors"
	"fmt"
	"sync"

	"github.com/clockwatch/clockwatch/estimator"
	"github.com/clockwatch/clockwatch/logicaltime/clockshm"
)

// clockFileLayout is the agent's own clock file (package clockshm).
var clockFileLayout = shmLayout{
	size: clockshm.Size, flag: "--shm.path", notOurs: clockshm.ErrNotClockFile,
	claimable: func(data []byte) bool {
		region, err := clockshm.NewRegion(data)
		return err == nil && region.Claimable()
	},
}

// ShmWriter publishes the agent's estimate to a shared memory clock file, a
// small memory-mapped file under a seqlock (layout in package clockshm) that
// logicaltime.OpenBounded maps read-only. One writer per file: a second
// agent on the same path is refused.
type ShmWriter struct {
	path   string
	file   *shmFile
	region *clockshm.Region
	clock  *clockshm.MonotonicClock

	mu sync.Mutex // guards region: one Publish at a time, none after Close
}

// NewShmWriter creates or reopens the clock file at path with mode 0644,
// creating its directory if missing, and takes the writer's lock on it. It
// refuses, without changing anything, a symbolic link, a file of another
// user and a file that is not empty or a clock file; and it fails when the
// file's filesystem has no room for it. Linux only.
func NewShmWriter(path string) (*ShmWriter, error) {
	clock, err := clockshm.NewMonotonicClock()
	if err != nil {
		return nil, fmt.Errorf("shm: %w", err)
	}
	file, err := openShmFile(path, clockFileLayout)
	if err != nil {
		return nil, err
	}
	region, err := clockshm.NewRegion(file.data)
	if err != nil {
		file.close()
		return nil, fmt.Errorf("shm: %s: %w", path, err)
	}
	return &ShmWriter{path: path, file: file, region: region, clock: clock}, nil
}

// Publish stores e for readers. Pass the estimator's estimate as it is, at
// least ten times a second: readers carry it forward from e.Time with its
// drift, and treat a writer silent for a second as stale. e.Time must be a
// recent reading of the system clock; it is placed on the monotonic clock
// at the moment of publishing.
//
// When something truncated the file, Publish re-sizes it and fails saying
// so; the next publish reaches readers again. Whenever it fails, e did not
// reach readers.
func (w *ShmWriter) Publish(e estimator.Estimate) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.region == nil {
		return fmt.Errorf("shm: publish to %s: the writer is closed", w.path)
	}
	if err := w.file.restore(); err != nil {
		return fmt.Errorf("shm: publish to %s: %w", w.path, err)
	}
	mono, wall := w.clock.NowAndWall()
	r, err := shmRecord(e, mono, wall)
	if err != nil {
		return fmt.Errorf("shm: publish to %s: %w", w.path, err)
	}
	r.Uncertainty = int64(w.clock.Uncertainty())
	if err := w.region.Publish(r); err != nil {
		return fmt.Errorf("shm: publish to %s: %w", w.path, err)
	}
	return nil
}

// Close unmaps the file and releases the writer's lock. The file stays, so
// readers see the estimate age and then go stale. Publish fails afterwards;
// closing again does nothing.
func (w *ShmWriter) Close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.region == nil {
		return nil
	}
	w.region = nil
	if err := w.file.close(); err != nil {
		return fmt.Errorf("shm: close %s: %w", w.path, err)
	}
	return nil
}

// shmRecord converts e into a record published at monotonic instant mono,
// when the system clock read wall (Unix nanoseconds).
func shmRecord(e estimator.Estimate, mono, wall int64) (clockshm.Record, error) {
	status, err := shmStatus(e)
	if err != nil {
		return clockshm.Record{}, err
	}
	r := clockshm.Record{
		Monotonic: mono, Local: wall, ErrorBound: clockshm.UnknownBound,
		Status: status, Published: mono,
	}
	if status == clockshm.StatusUnsynchronized {
		return r, nil
	}
	if e.Time.IsZero() {
		return clockshm.Record{}, errors.New("estimate has an offset but no time")
	}
	local := e.Time.UnixNano()
	r.Monotonic, r.Local = mono-(wall-local), local
	r.Offset, r.ErrorBound = int64(e.Offset), int64(e.ErrorBound)
	r.OffsetMin, r.OffsetMax = int64(e.OffsetMin), int64(e.OffsetMax)
	r.Drift, r.DriftBound = e.Drift, e.DriftBound
	if err := r.Validate(); err != nil {
		return clockshm.Record{}, fmt.Errorf("estimate out of range: %w", err)
	}
	return r, nil
}

// shmStatus maps the estimate's status; without an offset it is
// unsynchronized whatever the status says.
func shmStatus(e estimator.Estimate) (clockshm.Status, error) {
	switch {
	case !e.HasOffset() || e.Status == estimator.StatusUnsynchronized || e.Status == "":
		return clockshm.StatusUnsynchronized, nil
	case e.Status == estimator.StatusSynchronized:
		return clockshm.StatusSynchronized, nil
	case e.Status == estimator.StatusHoldover:
		return clockshm.StatusHoldover, nil
	}
	return 0, fmt.Errorf("estimate status %q is none of %s, %s and %s", e.Status,
		estimator.StatusSynchronized, estimator.StatusHoldover, estimator.StatusUnsynchronized)
}
