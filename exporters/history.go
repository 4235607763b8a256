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
type History struct {
	mu     sync.Mutex
	points []HistoryPoint
	next   int
	full   bool
}

// NewHistory returns a history holding at most capacity estimates.
func NewHistory(capacity int) *History {
	return &History{points: make([]HistoryPoint, max(capacity, 1))}
}

// Add records an estimate that knows the offset; others are skipped.
func (h *History) Add(e estimator.Estimate) {
	if !e.HasOffset() {
		return
	}
	p := HistoryPoint{Time: e.Time, OffsetSeconds: e.Offset.Seconds(), ErrorBoundSeconds: e.ErrorBound.Seconds(), Synchronized: e.Synchronized}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.points[h.next] = p
	h.next = (h.next + 1) % len(h.points)
	h.full = h.full || h.next == 0
}

// Since returns the recorded estimates at or after since, oldest first.
func (h *History) Since(since time.Time) []HistoryPoint {
	h.mu.Lock()
	defer h.mu.Unlock()
	ordered := h.points[:h.next]
	if h.full {
		ordered = append(append([]HistoryPoint(nil), h.points[h.next:]...), h.points[:h.next]...)
	}
	out := []HistoryPoint{}
	for _, p := range ordered {
		if !p.Time.Before(since) {
			out = append(out, p)
		}
	}
	return out
}
