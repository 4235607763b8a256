package netem

import (
	"fmt"
	"math"
	"math/rand/v2"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/clockwatch/clockwatch/internal/sim"
)

// Path is what one direction of a link does to datagrams.
type Path struct {
	// Delay is the fixed one-way delay.
	Delay time.Duration
	// Jitter is added to Delay, drawn for every datagram.
	Jitter sim.Jitter
	// Loss is the probability that a datagram is dropped.
	Loss float64
	// Rewrite, when set, changes each datagram in place before it is
	// held: an on-path attacker (TamperNTP shifts an NTP server's
	// timestamps).
	Rewrite func(datagram []byte)
}

// rewritten returns data as p's Rewrite leaves it: a rewritten copy, or
// data itself when p rewrites nothing.
func (p Path) rewritten(data []byte) []byte {
	if p.Rewrite == nil {
		return data
	}
	c := append([]byte(nil), data...)
	p.Rewrite(c)
	return c
}

// SplitPath returns the two one-way paths of a simulated round trip: the
// base delay divided by its outbound share, the jitter on both, and the
// loss split so that an exchange is lost with probability p.Loss.
func SplitPath(p sim.Path) (toServer, toClient Path) {
	share := p.OutboundShare()
	loss := 1 - math.Sqrt(1-p.Loss)
	toServer = Path{Delay: time.Duration(float64(p.Delay) * share), Jitter: p.Jitter, Loss: loss}
	toClient = Path{Delay: time.Duration(float64(p.Delay) * (1 - share)), Jitter: p.Jitter, Loss: loss}
	return toServer, toClient
}

// hold draws how long to hold one datagram; lost reports it is dropped.
func (p Path) hold(rng *rand.Rand) (time.Duration, bool) {
	if rng.Float64() < p.Loss {
		return 0, true
	}
	return p.Delay + p.Jitter.Draw(rng), false
}

// Link relays datagrams between clients and one server.
type Link struct {
	// Listen is the address clients send to, e.g. "127.0.0.1:0".
	Listen string
	// Server is where the datagrams go, e.g. "127.0.0.1:123".
	Server string
	// ToServer and ToClient are the two directions of the path.
	ToServer, ToClient Path
	// Seed makes the delays and losses repeatable.
	Seed uint64
	// Namespace is the network namespace the relay's sockets live in, a
	// name under /var/run/netns (as `ip netns add` makes them); empty:
	// the caller's. Linux only.
	Namespace string
}

// Stats counts what a relay did.
type Stats struct {
	Forwarded, Dropped uint64
}

// Relay is a running Link. Each client address gets its own socket towards
// the server, so the server's replies find their way back. Datagrams still
// held when the relay closes are dropped.
type Relay struct {
	link Link
	addr *net.UDPAddr
	eng  engine

	mu  sync.Mutex
	rng *rand.Rand

	forwarded, dropped atomic.Uint64
}

// engine moves the datagrams: the platform's way to receive, hold and
// send them.
type engine interface {
	close() error
}

// maxDatagram is the largest datagram relayed.
const maxDatagram = 2048

// Start listens on link.Listen and relays until Close.
func Start(link Link) (*Relay, error) {
	server, err := net.ResolveUDPAddr("udp", link.Server)
	if err != nil {
		return nil, fmt.Errorf("netem: server address %q: %w", link.Server, err)
	}
	listen, err := net.ResolveUDPAddr("udp", link.Listen)
	if err != nil {
		return nil, fmt.Errorf("netem: listen address %q: %w", link.Listen, err)
	}
	r := &Relay{link: link, rng: rand.New(rand.NewPCG(link.Seed, 0x6e6574656d))}
	if r.eng, r.addr, err = startEngine(r, listen, server); err != nil {
		return nil, fmt.Errorf("netem: relay %s to %s: %w", link.Listen, link.Server, err)
	}
	return r, nil
}

// Addr is the address clients send to.
func (r *Relay) Addr() *net.UDPAddr { return r.addr }

// Stats returns the counts so far.
func (r *Relay) Stats() Stats {
	return Stats{Forwarded: r.forwarded.Load(), Dropped: r.dropped.Load()}
}

// Close stops relaying.
func (r *Relay) Close() error { return r.eng.close() }

// SetPaths changes the two directions of the path from the next datagram
// on, as when a route changes or the link goes down (Loss 1).
func (r *Relay) SetPaths(toServer, toClient Path) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.link.ToServer, r.link.ToClient = toServer, toClient
}

// Paths returns the two directions of the path now.
func (r *Relay) Paths() (toServer, toClient Path) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.link.ToServer, r.link.ToClient
}

// path returns the direction towards the server, or back if not toServer.
func (r *Relay) path(toServer bool) Path {
	r.mu.Lock()
	defer r.mu.Unlock()
	if toServer {
		return r.link.ToServer
	}
	return r.link.ToClient
}

// schedule decides the fate of a datagram that arrived at rx on its way
// along p: when to send it, or ok false if it is lost.
func (r *Relay) schedule(rx time.Time, p Path) (due time.Time, ok bool) {
	r.mu.Lock()
	hold, lost := p.hold(r.rng)
	r.mu.Unlock()
	if lost {
		r.dropped.Add(1)
		return time.Time{}, false
	}
	return rx.Add(hold), true
}
