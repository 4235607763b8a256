package ntp

import (
	"context"
	"log/slog"
	"net/netip"
	"slices"
	"time"
)

// Defaults of PeerMesh. A rotation renews the metric series of the peers
// it swaps (16 each) in every Prometheus that scrapes the agent, and a
// Prometheus keeps a series 2-3 hours after it ends: rotating every 5
// minutes kept about 5 times the live peer series of a fleet in memory
// and slowed every query of them (hack/bench/promfleet). Hourly, an agent
// still meets 48 new peers a day.
const (
	DefaultPeerRefresh = time.Minute
	DefaultPeerRotate  = time.Hour
	// emptyRetry is the refresh interval while no peer is known: at start,
	// a Service's records appear as its pods become ready.
	emptyRetry = 5 * time.Second
)

// PeerMesh keeps an agent's peer sample current: it runs discovery every
// Refresh, rotates the sample every Rotate, leaves out the agent's own
// addresses, and reports every new sample.
type PeerMesh struct {
	Discovery *Discovery
	Sample    *PeerSample
	// Refresh and Rotate default to DefaultPeerRefresh and
	// DefaultPeerRotate.
	Refresh time.Duration
	Rotate  time.Duration
	// Self lists the addresses this agent answers on; nil: none.
	Self func() ([]netip.AddrPort, error)
	// Logger may be nil.
	Logger *slog.Logger
}

// Run discovers the peers, reports the first sample (possibly empty), and
// keeps it current until ctx ends. report is called from Run's goroutine.
func (m *PeerMesh) Run(ctx context.Context, report func([]netip.AddrPort)) {
	refresh, rotate := orDefault(m.Refresh, DefaultPeerRefresh), orDefault(m.Rotate, DefaultPeerRotate)
	m.refresh(ctx)
	report(m.Sample.Members())
	rotation := time.NewTicker(rotate)
	defer rotation.Stop()
	next := time.NewTimer(m.refreshWait(refresh))
	defer next.Stop()
	for {
		var changed bool
		select {
		case <-ctx.Done():
			return
		case <-next.C:
			changed = m.refresh(ctx)
			next.Reset(m.refreshWait(refresh))
		case <-rotation.C:
			changed = m.Sample.Rotate()
		}
		if changed {
			report(m.Sample.Members())
		}
	}
}

// refresh runs discovery and updates the sample; a failed lookup keeps
// its last good answer. It reports whether the sample changed.
func (m *PeerMesh) refresh(ctx context.Context) bool {
	peers, err := m.Discovery.Discover(ctx)
	if err != nil && ctx.Err() == nil {
		m.logger().Warn("peer discovery failed; keeping the last good answers", "err", err, "peers", len(peers))
	}
	if m.Self != nil {
		self, err := m.Self()
		if err != nil {
			m.logger().Warn("cannot tell this agent's own addresses; it may sample itself", "err", err)
		}
		peers = slices.DeleteFunc(peers, func(p netip.AddrPort) bool { return slices.Contains(self, p) })
	}
	return m.Sample.Update(peers)
}

// refreshWait is the time to the next discovery: sooner while no peer is
// known.
func (m *PeerMesh) refreshWait(refresh time.Duration) time.Duration {
	if len(m.Sample.known) == 0 {
		return min(refresh, emptyRetry)
	}
	return refresh
}

func (m *PeerMesh) logger() *slog.Logger {
	if m.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return m.Logger
}

// orDefault returns d, or def when d is not positive.
func orDefault(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}
