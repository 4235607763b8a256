package netem

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"
)

// Path is what one direction of a link does to datagrams.
type Path struct {
	// Delay is the fixed one-way delay.
	Delay time.Duration
	// Jitter is added to Delay, drawn for every datagram.
	Jitter Jitter
	// Loss is the probability that a datagram is dropped.
	Loss float64
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
}

// Stats counts what a relay did.
type Stats struct {
	Forwarded, Dropped uint64
}

// Relay is a running Link. Each client address gets its own socket towards
// the server, so the server's replies find their way back.
type Relay struct {
	link   Link
	conn   *net.UDPConn
	server *net.UDPAddr

	mu       sync.Mutex
	rng      *rand.Rand
	upstream map[netip.AddrPort]*net.UDPConn
	closed   bool

	wg                 sync.WaitGroup
	forwarded, dropped atomic.Uint64
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
	conn, err := net.ListenUDP("udp", listen)
	if err != nil {
		return nil, fmt.Errorf("netem: listen on %s: %w", link.Listen, err)
	}
	if err := enableReceiveStamps(conn); err != nil {
		conn.Close()
		return nil, err
	}
	r := &Relay{
		link: link, conn: conn, server: server,
		rng:      rand.New(rand.NewPCG(link.Seed, 0x6e6574656d)),
		upstream: map[netip.AddrPort]*net.UDPConn{},
	}
	r.wg.Add(1)
	go r.serveClients()
	return r, nil
}

// Addr is the address clients send to.
func (r *Relay) Addr() *net.UDPAddr { return r.conn.LocalAddr().(*net.UDPAddr) }

// Stats returns the counts so far.
func (r *Relay) Stats() Stats {
	return Stats{Forwarded: r.forwarded.Load(), Dropped: r.dropped.Load()}
}

// Close stops relaying and waits for datagrams in flight to be sent.
func (r *Relay) Close() error {
	r.mu.Lock()
	r.closed = true
	err := r.conn.Close()
	for _, up := range r.upstream {
		up.Close()
	}
	r.mu.Unlock()
	r.wg.Wait()
	return err
}

// serveClients forwards the clients' datagrams to the server.
func (r *Relay) serveClients() {
	defer r.wg.Done()
	buf := make([]byte, maxDatagram)
	for {
		n, from, rx, err := readStamped(r.conn, buf)
		if errors.Is(err, net.ErrClosed) {
			return
		}
		if err != nil {
			continue
		}
		up, err := r.upstreamFor(from)
		if err != nil {
			continue
		}
		r.forward(buf[:n], rx, r.link.ToServer, func(b []byte) { up.Write(b) })
	}
}

// upstreamFor returns the socket towards the server for one client,
// opening it and serving its replies on first use.
func (r *Relay) upstreamFor(client netip.AddrPort) (*net.UDPConn, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return nil, net.ErrClosed
	}
	if up, ok := r.upstream[client]; ok {
		return up, nil
	}
	up, err := net.DialUDP("udp", nil, r.server)
	if err != nil {
		return nil, err
	}
	if err := enableReceiveStamps(up); err != nil {
		up.Close()
		return nil, err
	}
	r.upstream[client] = up
	r.wg.Add(1)
	go r.serveServer(up, net.UDPAddrFromAddrPort(client))
	return up, nil
}

// serveServer forwards the server's replies on up back to client.
func (r *Relay) serveServer(up *net.UDPConn, client *net.UDPAddr) {
	defer r.wg.Done()
	buf := make([]byte, maxDatagram)
	for {
		n, _, rx, err := readStamped(up, buf)
		if errors.Is(err, net.ErrClosed) {
			return
		}
		if err != nil {
			continue
		}
		r.forward(buf[:n], rx, r.link.ToClient, func(b []byte) { r.conn.WriteToUDP(b, client) })
	}
}

// forward sends a copy of data with send once the path's delay after its
// arrival at rx has passed, unless the path drops it.
func (r *Relay) forward(data []byte, rx time.Time, p Path, send func([]byte)) {
	r.mu.Lock()
	hold, lost := p.hold(r.rng)
	r.mu.Unlock()
	if lost {
		r.dropped.Add(1)
		return
	}
	b := append([]byte(nil), data...)
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		sleepUntil(rx.Add(hold))
		send(b)
		r.forwarded.Add(1)
	}()
}
