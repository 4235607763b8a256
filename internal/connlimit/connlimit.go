// Package connlimit caps the connections an HTTP server holds without
// letting idle ones lock clients out.
//
// A plain cap (golang.org/x/net/netutil.LimitListener) makes new clients
// wait until a held connection closes, so whoever opens the most idle
// keep-alive connections, or connects and says nothing, keeps a Prometheus
// scrape waiting until those time out. Here a new connection over the cap
// evicts the connection that has gone longest without a request in
// progress; only when every held connection is serving a request is the
// new one refused (closed at once, so the client can retry elsewhere or
// later rather than hang).
package connlimit

import (
	"net"
	"net/http"
	"sync"
	"time"
)

// Limiter holds at most Max connections of the servers it is wired to
// (Listener on their listeners, ConnState as their http.Server.ConnState).
// It is safe for concurrent use.
type Limiter struct {
	max int
	now func() time.Time

	mu    sync.Mutex
	conns map[string]*held
	stats Stats
}

// held is one connection the limiter counts.
type held struct {
	conn  net.Conn
	busy  bool      // a request is in progress
	since time.Time // when it last became idle (or was accepted)
}

// Stats counts what a Limiter did.
type Stats struct {
	Evicted uint64 // idle or silent connections closed to admit a new one
	Refused uint64 // new connections closed because every held one was busy
}

// New returns a Limiter of at most limit connections (at least 1).
func New(limit int) *Limiter {
	return &Limiter{max: max(limit, 1), now: time.Now, conns: map[string]*held{}}
}

// Listener returns ln with every accepted connection counted against the
// limit.
func (l *Limiter) Listener(ln net.Listener) net.Listener {
	return &listener{Listener: ln, limiter: l}
}

// ConnState is the http.Server.ConnState hook that tells the limiter which
// connections are serving a request and which are idle, and forgets closed
// ones.
func (l *Limiter) ConnState(c net.Conn, state http.ConnState) {
	key := c.RemoteAddr().String()
	l.mu.Lock()
	defer l.mu.Unlock()
	h, ok := l.conns[key]
	if !ok {
		return
	}
	switch state {
	case http.StateActive:
		h.busy = true
	case http.StateIdle:
		h.busy, h.since = false, l.now()
	case http.StateClosed, http.StateHijacked:
		delete(l.conns, key)
	}
}

// Stats returns what the limiter did so far.
func (l *Limiter) Stats() Stats {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.stats
}

// admit counts c, making room if the limit is reached; it returns false
// when c must be refused.
func (l *Limiter) admit(c net.Conn) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.conns) >= l.max {
		victim := l.longestWaiting()
		if victim == "" {
			l.stats.Refused++
			return false
		}
		l.conns[victim].conn.Close()
		delete(l.conns, victim)
		l.stats.Evicted++
	}
	l.conns[c.RemoteAddr().String()] = &held{conn: c, since: l.now()}
	return true
}

// longestWaiting returns the key of the connection longest without a
// request in progress, or "" if all are busy.
func (l *Limiter) longestWaiting() string {
	var key string
	var oldest time.Time
	for k, h := range l.conns {
		if !h.busy && (key == "" || h.since.Before(oldest)) {
			key, oldest = k, h.since
		}
	}
	return key
}

// listener counts accepted connections against its limiter.
type listener struct {
	net.Listener
	limiter *Limiter
}

// Accept returns the next connection the limiter admits; refused ones are
// closed and skipped.
func (ln *listener) Accept() (net.Conn, error) {
	for {
		c, err := ln.Listener.Accept()
		if err != nil {
			return nil, err
		}
		if ln.limiter.admit(c) {
			return c, nil
		}
		c.Close()
	}
}
