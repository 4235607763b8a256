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
	next   int
	full   bool
}

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
	h.points[h.next] = r
	h.next = (h.next + 1) % len(h.points)
	h.full = h.full || h.next == 0
}

// Since returns the recorded estimates at or after since, oldest first.
func (h *History) Since(since time.Time) []HistoryPoint {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := []HistoryPoint{}
	add := func(records []historyRecord) {
		for _, r := range records {
			if p := r.point(); !p.Time.Before(since) {
				out = append(out, p)
			}
		}
	}
	if h.full {
		add(h.points[h.next:])
	}
	add(h.points[:h.next])
	return out
}
