package exporters

import (
	"sync"
	"time"

	"github.com/clockwatch/clockwatch/estimator"
)

// HistoryPoint is one past estimate, as GET /api/v1/history serves it.
type HistoryPoint struct {
	Time              time.Time `json:"time"`
	OffsetSeconds     float64   `json:"offset_seconds"`
	ErrorBoundSeconds float64   `json:"error_bound_seconds"`
	Synchronized      bool      `json:"synchronized"`
}

// History is a bounded ring of recent estimates; when full, the oldest is
// overwritten. It is safe for concurrent use.
//
// The ring holds no pointers (a time is its Unix nanoseconds), so the
// garbage collector never scans it and its pages stay untouched until
// written: six hours at one point a second cost memory only as they fill.
type History struct {
	mu     sync.Mutex
	points []historyRecord
	// added counts every estimate ever recorded: the nth sits at
	// points[n%len(points)] until overwritten.
	added uint64
}

// historyChunk is how many points a reader copies out of the ring under
// its lock at a time: a slow reader holds no more than this.
const historyChunk = 256

// historyRecord is a HistoryPoint as the ring keeps it.
type historyRecord struct {
	unixNano      int64
	offset, bound float64
	synchronized  bool
}

// point is r as the API serves it, in the local time zone.
func (r historyRecord) point() HistoryPoint {
	return HistoryPoint{Time: time.Unix(0, r.unixNano), OffsetSeconds: r.offset, ErrorBoundSeconds: r.bound, Synchronized: r.synchronized}
}

// NewHistory returns a history holding at most capacity estimates.
func NewHistory(capacity int) *History {
	return &History{points: make([]historyRecord, max(capacity, 1))}
}

// Add records an estimate that knows the offset; others are skipped.
func (h *History) Add(e estimator.Estimate) {
	if !e.HasOffset() {
		return
	}
	r := historyRecord{unixNano: e.Time.UnixNano(), offset: e.Offset.Seconds(), bound: e.ErrorBound.Seconds(), synchronized: e.Synchronized}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.points[h.added%uint64(len(h.points))] = r
	h.added++
}

// Since returns the recorded estimates at or after since, oldest first.
func (h *History) Since(since time.Time) []HistoryPoint {
	out := []HistoryPoint{}
	_ = h.Each(since, func(points []HistoryPoint) error {
		out = append(out, points...)
		return nil
	})
	return out
}

// Each calls fn with the estimates recorded at or after since, oldest
// first, a chunk of at most historyChunk points at a time, and stops at
// fn's first error, which it returns. It walks the ring as it was when
// called; points overwritten while fn runs are skipped, so a slow fn
// costs one chunk of memory and never holds the lock. fn must not keep
// the slice.
func (h *History) Each(since time.Time, fn func([]HistoryPoint) error) error {
	h.mu.Lock()
	end := h.added
	h.mu.Unlock()
	next := end - min(end, uint64(len(h.points)))
	chunk := make([]HistoryPoint, 0, historyChunk)
	for next < end {
		chunk, next = h.copyChunk(chunk[:0], next, end, since)
		if len(chunk) == 0 {
			continue
		}
		if err := fn(chunk); err != nil {
			return err
		}
	}
	return nil
}

// copyChunk appends to chunk the points at or after since among at most
// historyChunk records from the nth (or the oldest still kept, if later)
// up to end, and returns the record after the last it looked at.
func (h *History) copyChunk(chunk []HistoryPoint, n, end uint64, since time.Time) ([]HistoryPoint, uint64) {
	h.mu.Lock()
	defer h.mu.Unlock()
	size := uint64(len(h.points))
	n = max(n, h.added-min(h.added, size))
	for stop := min(end, n+historyChunk); n < stop; n++ {
		if p := h.points[n%size].point(); !p.Time.Before(since) {
			chunk = append(chunk, p)
		}
	}
	return chunk, n
}
