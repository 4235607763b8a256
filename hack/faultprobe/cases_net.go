//go:build linux

package main

import (
	"context"
	"encoding/binary"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// httpIdleConnections (item 5): thousands of idle keep-alive connections
// must neither cost the agent unbounded memory and files nor keep a fresh
// client (a Prometheus scrape) from being answered.
func httpIdleConnections(ctx context.Context, p *probe) (string, error) {
	srv, args, err := servers(1)
	if err != nil {
		return "", err
	}
	defer closeAll(srv)
	a, err := startAgent(ctx, p.binary, append(args, "--poll.interval=1s", "--state.dir=", "--shm.path=")...)
	if err != nil {
		return "", err
	}
	defer a.stop()
	host := strings.TrimPrefix(a.url, "http://")
	const held = 3000
	var conns []net.Conn
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	for range held {
		c, err := net.Dial("tcp", host)
		if err != nil {
			return "", fmt.Errorf("connection %d: %v", len(conns)+1, err)
		}
		conns = append(conns, c)
		fmt.Fprintf(c, "GET /-/healthy HTTP/1.1\r\nHost: %s\r\n\r\n", host)
	}
	time.Sleep(3 * time.Second)
	u, err := a.usage()
	if err != nil {
		return "", err
	}
	start := time.Now()
	fresh := &http.Client{Timeout: 10 * time.Second}
	resp, err := fresh.Get(a.url + "/metrics")
	if err != nil {
		return "", fmt.Errorf("with %d connections held (%v), a fresh scrape failed: %v", held, u, err)
	}
	resp.Body.Close()
	took := time.Since(start)
	if u.rssKiB > 64<<10 || u.fds > 1100 {
		return "", fmt.Errorf("with %d connections held the agent holds %v", held, u)
	}
	return fmt.Sprintf("%d connections held: agent at %v; a fresh scrape answered in %v", held, u, took.Round(time.Millisecond)), nil
}

// ntpRequest is a client-mode NTP request.
func ntpRequest() []byte {
	req := make([]byte, 48)
	req[0] = 0x23 // LI 0, version 4, mode 3
	binary.BigEndian.PutUint64(req[40:], uint64(time.Now().UnixNano()))
	return req
}

// isTime reports whether an NTP reply carries the time (not a kiss-o'-death).
func isTime(reply []byte) bool {
	return len(reply) >= 48 && reply[1] != 0
}

// responderSpoofedFlood (item 6): a flood spoofing the address of a peer
// (here both bind 127.0.0.2) must leave the real owner a share of
// answers, and the responder must never send more bytes than it receives.
func responderSpoofedFlood(ctx context.Context, p *probe) (string, error) {
	listen := fmt.Sprintf("127.0.0.1:%d", freeUDPPort())
	srv, args, err := servers(1)
	if err != nil {
		return "", err
	}
	defer closeAll(srv)
	a, err := startAgent(ctx, p.binary, append(args, "--poll.interval=1s", "--state.dir=", "--shm.path=", "--responder.listen-address", listen)...)
	if err != nil {
		return "", err
	}
	defer a.stop()
	to, err := net.ResolveUDPAddr("udp4", listen)
	if err != nil {
		return "", err
	}
	spoofed := &net.UDPAddr{IP: net.IPv4(127, 0, 0, 2)}
	flood, err := net.ListenUDP("udp4", spoofed)
	if err != nil {
		return "", skipf("bind 127.0.0.2: %v", err)
	}
	defer flood.Close()
	owner, err := net.ListenUDP("udp4", spoofed)
	if err != nil {
		return "", err
	}
	defer owner.Close()
	window := p.window(30*time.Second, 10*time.Second)
	var sentBytes, receivedBytes atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() { floodRequests(flood, to, stop, &sentBytes, &receivedBytes) })
	asked, answered := ownerRequests(owner, to, window, &sentBytes, &receivedBytes)
	close(stop)
	flood.Close()
	wg.Wait()
	if alive, how := a.alive(); !alive {
		return "", fmt.Errorf("the agent died: %s", how)
	}
	switch {
	case receivedBytes.Load() > sentBytes.Load():
		return "", fmt.Errorf("the responder sent %d bytes for %d received: amplification", receivedBytes.Load(), sentBytes.Load())
	case answered*10 < asked:
		return "", fmt.Errorf("the owner got the time %d times of %d asked under the flood (%d requests flooded)", answered, asked, sentBytes.Load()/48)
	}
	return fmt.Sprintf("under a flood of %d requests in %v the owner got the time %d of %d times; %d bytes out for %d in",
		sentBytes.Load()/48-int64(asked), window, answered, asked, receivedBytes.Load(), sentBytes.Load()), nil
}

// floodRequests sends requests from conn as fast as it can until stop,
// reading and counting whatever comes back.
func floodRequests(conn *net.UDPConn, to *net.UDPAddr, stop <-chan struct{}, sent, received *atomic.Int64) {
	go func() {
		buf := make([]byte, 1500)
		for {
			n, err := conn.Read(buf)
			if err != nil {
				return
			}
			received.Add(int64(n))
		}
	}()
	req := ntpRequest()
	for {
		select {
		case <-stop:
			return
		default:
		}
		if n, err := conn.WriteToUDP(req, to); err == nil {
			sent.Add(int64(n))
		}
	}
}

// ownerRequests asks for the time every 100 ms for d, as a peer polling
// fast would, and counts the replies with the time.
func ownerRequests(conn *net.UDPConn, to *net.UDPAddr, d time.Duration, sent, received *atomic.Int64) (asked, answered int) {
	buf := make([]byte, 1500)
	for end := time.Now().Add(d); time.Now().Before(end); {
		n, err := conn.WriteToUDP(ntpRequest(), to)
		if err != nil {
			continue
		}
		sent.Add(int64(n))
		asked++
		deadline := time.Now().Add(100 * time.Millisecond)
		for {
			_ = conn.SetReadDeadline(deadline)
			n, err := conn.Read(buf)
			if err != nil {
				break
			}
			received.Add(int64(n))
			if isTime(buf[:n]) {
				answered++
			}
		}
	}
	return asked, answered
}

// freeUDPPort returns a loopback UDP port that was free a moment ago.
func freeUDPPort() int {
	c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		return 0
	}
	defer c.Close()
	return c.LocalAddr().(*net.UDPAddr).Port
}

// insaneReplies (item 8): servers sending an era-wrapped 136-year delay,
// an 8000 s delay, root delay 0xFFFFFFFF and precision 127, beside an
// honest server and one 50 ms ahead: none of the bad ones is selected or
// exported with an absurd offset, each is counted, and the liar stays out.
func insaneReplies(ctx context.Context, p *probe) (string, error) {
	mutations := map[string]func([]byte, int){
		"era-wrapped": func(b []byte, _ int) {
			binary.BigEndian.PutUint32(b[32:36], 0xFFFFFFF0)
			binary.BigEndian.PutUint32(b[40:44], 0x00000010)
		},
		"8000s-delay": func(b []byte, _ int) {
			binary.BigEndian.PutUint32(b[40:44], binary.BigEndian.Uint32(b[32:36])-8000)
		},
		"root-delay": func(b []byte, _ int) { binary.BigEndian.PutUint32(b[4:8], 0xFFFFFFFF) },
		"precision":  func(b []byte, _ int) { b[3] = 127 },
	}
	honest, args, err := servers(1)
	if err != nil {
		return "", err
	}
	defer closeAll(honest)
	liar, err := startServer(func(time.Time) time.Duration { return 50 * time.Millisecond }, nil)
	if err != nil {
		return "", err
	}
	defer liar.close()
	names := map[string]string{honest[0].addr(): "honest", liar.addr(): "liar"}
	args = append(args, "--ntp.server", liar.addr())
	for name, mutate := range mutations {
		s, err := startServer(nil, mutate)
		if err != nil {
			return "", err
		}
		defer s.close()
		names[s.addr()] = name
		args = append(args, "--ntp.server", s.addr())
	}
	a, err := startAgent(ctx, p.binary, append(args, "--poll.interval=1s", "--state.dir=", "--shm.path=")...)
	if err != nil {
		return "", err
	}
	defer a.stop()
	var counted []string
	for end := time.Now().Add(p.window(30*time.Second, 15*time.Second)); time.Now().Before(end); time.Sleep(500 * time.Millisecond) {
		s, err := a.status(ctx)
		if err != nil {
			return "", err
		}
		counted = counted[:0]
		for _, src := range s.Sources {
			name := names[src.Name]
			switch {
			case name == "liar" && src.Selected:
				return "", fmt.Errorf("the server 50 ms off is selected")
			case name != "honest" && name != "liar" && (src.Selected || abs(src.OffsetSeconds) > 1):
				return "", fmt.Errorf("the %s server is %s with offset %g s", name, src.Status, src.OffsetSeconds)
			case name != "honest" && name != "liar":
				counted = append(counted, fmt.Sprintf("%s %v", name, rejected(src.Results)))
			}
		}
	}
	return "liar never selected; rejected: " + strings.Join(counted, ", "), nil
}

// rejected summarizes a source's poll results other than ok.
func rejected(results map[string]uint64) string {
	var parts []string
	for result, n := range results {
		if result != "ok" {
			parts = append(parts, fmt.Sprintf("%s=%d", result, n))
		}
	}
	return strings.Join(parts, " ")
}

// kodRateDecays (item 10): after one kiss-o'-death RATE, the poll
// interval doubles and then decays back to the configured one.
func kodRateDecays(ctx context.Context, p *probe) (string, error) {
	kod, err := startServer(nil, func(b []byte, n int) {
		if n == 5 {
			b[1] = 0 // stratum 0: a kiss-o'-death
			copy(b[12:16], "RATE")
		}
	})
	if err != nil {
		return "", err
	}
	defer kod.close()
	a, err := startAgent(ctx, p.binary, "run", "--ntp.server", kod.addr(), "--poll.interval=1s", "--state.dir=", "--shm.path=")
	if err != nil {
		return "", err
	}
	defer a.stop()
	var slowest float64
	for end := time.Now().Add(90 * time.Second); time.Now().Before(end); time.Sleep(time.Second) {
		s, err := a.status(ctx)
		if err != nil {
			return "", err
		}
		if len(s.Sources) == 0 {
			continue
		}
		poll := s.Sources[0].PollSeconds
		slowest = max(slowest, poll)
		if slowest > 1 && poll == 1 {
			return fmt.Sprintf("RATE slowed polling to %gs; back to 1s", slowest), nil
		}
	}
	if slowest <= 1 {
		return "", fmt.Errorf("the RATE kiss-o'-death never slowed polling")
	}
	return "", fmt.Errorf("polling slowed to %gs by one RATE never came back to 1s in 90s", slowest)
}
