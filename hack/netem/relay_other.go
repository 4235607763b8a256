//go:build !linux

package netem

import (
	"errors"
	"net"
	"net/netip"
	"sync"
	"time"
)

// spinWindow is how long before a datagram is due its goroutine stops
// sleeping and spins: the Go timer may wake a millisecond late.
const spinWindow = 2 * time.Millisecond

// goEngine is the portable engine: a goroutine per socket receives, and a
// goroutine per datagram holds it. The Go scheduler's wake-up latency adds
// to the delays, so use it for tests and demos, not for measurements.
type goEngine struct {
	r      *Relay
	conn   *net.UDPConn
	server *net.UDPAddr

	mu       sync.Mutex
	upstream map[netip.AddrPort]*net.UDPConn
	closed   bool

	wg sync.WaitGroup
}

func startEngine(r *Relay, listen, server *net.UDPAddr) (engine, *net.UDPAddr, error) {
	if r.link.Namespace != "" {
		return nil, nil, errors.New("network namespaces are Linux's")
	}
	conn, err := net.ListenUDP("udp", listen)
	if err != nil {
		return nil, nil, err
	}
	e := &goEngine{r: r, conn: conn, server: server, upstream: map[netip.AddrPort]*net.UDPConn{}}
	e.wg.Add(1)
	go e.serveClients()
	return e, conn.LocalAddr().(*net.UDPAddr), nil
}

func (e *goEngine) close() error {
	e.mu.Lock()
	e.closed = true
	err := e.conn.Close()
	for _, up := range e.upstream {
		up.Close()
	}
	e.mu.Unlock()
	e.wg.Wait()
	return err
}

// serveClients forwards the clients' datagrams to the server.
func (e *goEngine) serveClients() {
	defer e.wg.Done()
	buf := make([]byte, maxDatagram)
	for {
		n, from, err := e.conn.ReadFromUDPAddrPort(buf)
		if errors.Is(err, net.ErrClosed) {
			return
		}
		if err != nil {
			continue
		}
		if up, err := e.upstreamFor(from); err == nil {
			e.forward(buf[:n], e.r.path(true), func(b []byte) { up.Write(b) })
		}
	}
}

// upstreamFor returns the socket towards the server for one client,
// opening it and serving its replies on first use.
func (e *goEngine) upstreamFor(client netip.AddrPort) (*net.UDPConn, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return nil, net.ErrClosed
	}
	if up, ok := e.upstream[client]; ok {
		return up, nil
	}
	up, err := net.DialUDP("udp", nil, e.server)
	if err != nil {
		return nil, err
	}
	e.upstream[client] = up
	e.wg.Add(1)
	go e.serveServer(up, net.UDPAddrFromAddrPort(client))
	return up, nil
}

// serveServer forwards the server's replies on up back to client.
func (e *goEngine) serveServer(up *net.UDPConn, client *net.UDPAddr) {
	defer e.wg.Done()
	buf := make([]byte, maxDatagram)
	for {
		n, err := up.Read(buf)
		if errors.Is(err, net.ErrClosed) {
			return
		}
		if err != nil {
			continue
		}
		e.forward(buf[:n], e.r.path(false), func(b []byte) { e.conn.WriteToUDP(b, client) })
	}
}

// forward sends a copy of data, rewritten as p says, with send when p
// says, unless p drops it.
func (e *goEngine) forward(data []byte, p Path, send func([]byte)) {
	due, ok := e.r.schedule(time.Now(), p)
	if !ok {
		return
	}
	b := append([]byte(nil), p.rewritten(data)...)
	e.wg.Add(1)
	go func() {
		defer e.wg.Done()
		if d := time.Until(due) - spinWindow; d > 0 {
			time.Sleep(d)
		}
		for time.Now().Before(due) {
		}
		e.r.forwarded.Add(1)
		send(b)
	}()
}
