package sim

import (
	"container/heap"
	"time"
)

// Queue is a simulation's event queue: events come out in the order of
// their true time, and events of one instant in the order they were
// pushed, so that a run is deterministic. The zero value is empty.
type Queue[E any] struct {
	items queueItems[E]
	seq   uint64
}

// queued is an event in a Queue.
type queued[E any] struct {
	at    time.Duration
	seq   uint64
	event E
}

// Push schedules e at true time at.
func (q *Queue[E]) Push(at time.Duration, e E) {
	q.seq++
	heap.Push(&q.items, queued[E]{at: at, seq: q.seq, event: e})
}

// Pop removes the next event and returns it with its time; ok is false
// when the queue is empty.
func (q *Queue[E]) Pop() (at time.Duration, e E, ok bool) {
	if len(q.items) == 0 {
		return 0, e, false
	}
	next := heap.Pop(&q.items).(queued[E])
	return next.at, next.event, true
}

// Len is the number of events waiting.
func (q *Queue[E]) Len() int { return len(q.items) }

// queueItems is the heap behind Queue.
type queueItems[E any] []queued[E]

func (h queueItems[E]) Len() int { return len(h) }
func (h queueItems[E]) Less(i, j int) bool {
	if h[i].at != h[j].at {
		return h[i].at < h[j].at
	}
	return h[i].seq < h[j].seq
}
func (h queueItems[E]) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *queueItems[E]) Push(x any)   { *h = append(*h, x.(queued[E])) }
func (h *queueItems[E]) Pop() any {
	old := *h
	e := old[len(old)-1]
	*h = old[:len(old)-1]
	return e
}
