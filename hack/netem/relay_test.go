package netem

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"net"
	"testing"
	"time"

	"github.com/clockwatch/clockwatch/internal/sim"
)

// echoServer answers every datagram with the same bytes until the test
// ends.
func echoServer(t *testing.T) *net.UDPConn {
	t.Helper()
	conn, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	go func() {
		buf := make([]byte, maxDatagram)
		for {
			n, from, err := conn.ReadFromUDPAddrPort(buf)
			if errors.Is(err, net.ErrClosed) {
				return
			}
			conn.WriteToUDPAddrPort(buf[:n], from)
		}
	}()
	return conn
}

// startRelay starts a relay on loopback in front of server.
func startRelay(t *testing.T, server *net.UDPConn, toServer, toClient Path) *Relay {
	t.Helper()
	r, err := Start(Link{Listen: "127.0.0.1:0", Server: server.LocalAddr().String(), ToServer: toServer, ToClient: toClient, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}

// exchange sends payload through the relay and waits up to wait for the
// echo; ok is false if none came.
func exchange(t *testing.T, client *net.UDPConn, relay *Relay, payload []byte, wait time.Duration) (time.Duration, bool) {
	t.Helper()
	start := time.Now()
	if _, err := client.WriteToUDP(payload, relay.Addr()); err != nil {
		t.Fatal(err)
	}
	client.SetReadDeadline(time.Now().Add(wait))
	buf := make([]byte, maxDatagram)
	n, err := client.Read(buf)
	if err != nil {
		return 0, false
	}
	if !bytes.Equal(buf[:n], payload) {
		t.Fatalf("got %q back, sent %q", buf[:n], payload)
	}
	return time.Since(start), true
}

func newClient(t *testing.T) *net.UDPConn {
	t.Helper()
	c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func TestRelayHoldsEachDirection(t *testing.T) {
	out := Path{Delay: 3 * time.Millisecond, Jitter: sim.Jitter{Kind: sim.Exponential, Mean: time.Millisecond}}
	back := Path{Delay: 5 * time.Millisecond}
	relay := startRelay(t, echoServer(t), out, back)
	client := newClient(t)
	for i := range 20 {
		rtt, ok := exchange(t, client, relay, fmt.Appendf(nil, "ping %d", i), 5*time.Second)
		if !ok {
			t.Fatalf("ping %d: no echo", i)
		}
		if rtt < out.Delay+back.Delay {
			t.Errorf("ping %d came back after %v, before the %v the paths hold it", i, rtt, out.Delay+back.Delay)
		}
	}
	if s := relay.Stats(); s.Forwarded != 40 || s.Dropped != 0 {
		t.Errorf("stats %+v, want 40 forwarded", s)
	}
}

func TestRelayDrops(t *testing.T) {
	relay := startRelay(t, echoServer(t), Path{Loss: 1}, Path{})
	client := newClient(t)
	for i := range 5 {
		if _, ok := exchange(t, client, relay, []byte{byte(i)}, 50*time.Millisecond); ok {
			t.Fatalf("datagram %d got through a path that drops everything", i)
		}
	}
	if s := relay.Stats(); s.Dropped != 5 || s.Forwarded != 0 {
		t.Errorf("stats %+v, want 5 dropped", s)
	}
}

// TestRelaySetPaths: a route change and an outage take effect on the
// next datagram.
func TestRelaySetPaths(t *testing.T) {
	relay := startRelay(t, echoServer(t), Path{}, Path{})
	client := newClient(t)
	longer := Path{Delay: 20 * time.Millisecond}
	relay.SetPaths(longer, Path{})
	if out, back := relay.Paths(); out.Delay != longer.Delay || back.Delay != 0 {
		t.Fatalf("paths %+v %+v after SetPaths", out, back)
	}
	if rtt, ok := exchange(t, client, relay, []byte("after the route change"), 5*time.Second); !ok || rtt < longer.Delay {
		t.Errorf("echo after %v (%v), want one after at least %v", rtt, ok, longer.Delay)
	}
	relay.SetPaths(Path{Loss: 1}, Path{Loss: 1})
	if _, ok := exchange(t, client, relay, []byte("in the outage"), 100*time.Millisecond); ok {
		t.Error("a datagram got through the outage")
	}
}

func TestRelayKeepsClientsApart(t *testing.T) {
	relay := startRelay(t, echoServer(t), Path{}, Path{})
	a, b := newClient(t), newClient(t)
	for i := range 5 {
		for name, c := range map[string]*net.UDPConn{"a": a, "b": b} {
			// exchange fails the test if the other client's echo arrives.
			if _, ok := exchange(t, c, relay, fmt.Appendf(nil, "%s %d", name, i), 5*time.Second); !ok {
				t.Fatalf("client %s: no echo", name)
			}
		}
	}
}

func TestPathHold(t *testing.T) {
	tests := []struct {
		name     string
		path     Path
		lost     bool
		min, max time.Duration
	}{
		{name: "fixed", path: Path{Delay: time.Millisecond}, min: time.Millisecond, max: time.Millisecond},
		{name: "jitter adds", path: Path{Delay: time.Millisecond, Jitter: sim.Jitter{Kind: sim.Exponential, Mean: time.Millisecond}}, min: time.Millisecond, max: time.Millisecond + sim.MaxJitter},
		{name: "lost", path: Path{Delay: time.Millisecond, Loss: 1}, lost: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(1, 1))
			for range 100 {
				d, lost := tc.path.hold(rng)
				if lost != tc.lost || (!lost && (d < tc.min || d > tc.max)) {
					t.Fatalf("hold = %v, %v; want lost=%v or within [%v, %v]", d, lost, tc.lost, tc.min, tc.max)
				}
			}
		})
	}
}

func TestStartRejectsBadAddresses(t *testing.T) {
	for _, link := range []Link{
		{Listen: "127.0.0.1:0", Server: "no-port"},
		{Listen: "not an address", Server: "127.0.0.1:1"},
	} {
		if r, err := Start(link); err == nil {
			r.Close()
			t.Errorf("Start(%+v) accepted a bad address", link)
		}
	}
}

func TestSplitPathKeepsPathAndLoss(t *testing.T) {
	p := sim.Path{Delay: 4 * time.Millisecond, Outbound: 0.25, Jitter: sim.Jitter{Kind: sim.Exponential, Mean: time.Millisecond}, Loss: 0.05}
	out, back := SplitPath(p)
	if out.Delay != time.Millisecond || back.Delay != 3*time.Millisecond || out.Jitter != p.Jitter || back.Jitter != p.Jitter {
		t.Errorf("split into %+v and %+v", out, back)
	}
	if lost := 1 - (1-out.Loss)*(1-back.Loss); math.Abs(lost-p.Loss) > 1e-12 {
		t.Errorf("an exchange is lost with probability %g, want %g", lost, p.Loss)
	}
}

// TestNTPTamper relays NTP server replies through a tampering relay: off,
// they pass unchanged; on, their receive and transmit timestamps move by
// the shift and nothing else changes.
func TestNTPTamper(t *testing.T) {
	server := echoServer(t)
	tamper := &NTPTamper{Shift: 5 * time.Millisecond}
	relay := startRelay(t, server, Path{}, Path{Rewrite: tamper.Rewrite})
	client, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	reply := make([]byte, 48)
	reply[0] = 4<<3 | 4 // an NTPv4 server reply, echoed back as it is
	binary.BigEndian.PutUint64(reply[32:], 1<<40)
	binary.BigEndian.PutUint64(reply[40:], 1<<40)
	for _, on := range []bool{false, true} {
		tamper.SetActive(on)
		if _, err := client.WriteToUDP(reply, relay.Addr()); err != nil {
			t.Fatal(err)
		}
		client.SetReadDeadline(time.Now().Add(2 * time.Second))
		got := make([]byte, 100)
		n, err := client.Read(got)
		if err != nil || n != 48 {
			t.Fatalf("tampering %v: %d bytes, %v", on, n, err)
		}
		want := append([]byte(nil), reply...)
		if on {
			shift := uint64(tamper.Shift.Seconds() * (1 << 32))
			binary.BigEndian.PutUint64(want[32:], 1<<40+shift)
			binary.BigEndian.PutUint64(want[40:], 1<<40+shift)
		}
		if !bytes.Equal(got[:n], want) {
			t.Errorf("tampering %v: got %x, want %x", on, got[:n], want)
		}
	}
	if tamper.Tampered() != 1 {
		t.Errorf("%d replies tampered, want 1", tamper.Tampered())
	}
}
