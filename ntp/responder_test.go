package ntp

import (
	"context"
	"encoding/binary"
	"fmt"
	"net"
	"net/netip"
	"runtime"
	"slices"
	"testing"
	"time"
)

// startResponder serves r on a fresh loopback port until the test ends.
func startResponder(t testing.TB, r *Responder) netip.AddrPort {
	t.Helper()
	conn, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Serve(ctx, conn) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
		conn.Close()
	})
	return conn.LocalAddr().(*net.UDPAddr).AddrPort()
}

// exchangeFrom sends packet to dst from a socket bound to src and returns
// the reply, or nil when none comes within 200 ms.
func exchangeFrom(t *testing.T, src netip.Addr, dst netip.AddrPort, packet []byte) []byte {
	t.Helper()
	conn, err := net.ListenUDP("udp4", net.UDPAddrFromAddrPort(netip.AddrPortFrom(src, 0)))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.WriteToUDPAddrPort(packet, dst); err != nil {
		t.Fatal(err)
	}
	_ = conn.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
	buf := make([]byte, 1500)
	n, err := conn.Read(buf)
	if err != nil {
		return nil
	}
	return buf[:n]
}

// TestResponderServesShiftedClock queries a responder whose clock is 40 ms
// ahead, with kernel and with user-space receive timestamps: the client
// must see itself 40 ms behind. A kernel timestamp must be moved onto the
// responder's clock too, or the delay would come out near -40 ms.
func TestResponderServesShiftedClock(t *testing.T) {
	const shift = 40 * time.Millisecond
	for _, user := range []bool{false, true} {
		t.Run(fmt.Sprintf("user timestamps %v", user), func(t *testing.T) {
			r := &Responder{Clock: func() time.Time { return time.Now().Add(shift) }, UserTimestamps: user}
			addr := startResponder(t, r)
			c := &Client{Timeout: time.Second}
			for range 5 {
				x, err := c.Query(context.Background(), addr)
				if err != nil {
					t.Fatal(err)
				}
				s, err := x.Sample("lo")
				if err != nil {
					t.Fatal(err)
				}
				if (s.Offset + shift).Abs() > s.ErrorBound() {
					t.Errorf("offset %v ± %v misses -40ms", s.Offset, s.ErrorBound())
				}
				if s.Delay > 10*time.Millisecond {
					t.Errorf("delay %v on loopback: receive and transmit stamps disagree", s.Delay)
				}
			}
			if want := runtime.GOOS == "linux" && !user; r.Stats().KernelTimestamps != want {
				t.Errorf("kernel receive timestamps: %v, want %v on %s", r.Stats().KernelTimestamps, want, runtime.GOOS)
			}
			if got := r.Stats().Answered; got != 5 {
				t.Errorf("answered %d requests, want 5", got)
			}
		})
	}
}

// TestResponderAnswersQueuedRequests sends a burst before reading any
// reply, so requests queue and are read several at a time: each must be
// answered once, echoing its own transmit field.
func TestResponderAnswersQueuedRequests(t *testing.T) {
	const burst = 100
	addr := startResponder(t, &Responder{})
	conn, err := net.DialUDP("udp4", nil, net.UDPAddrFromAddrPort(addr))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	req := clientPacket(4, modeClient, 48)
	for i := range burst {
		binary.BigEndian.PutUint64(req[40:48], uint64(i))
		if _, err := conn.Write(req); err != nil {
			t.Fatal(err)
		}
	}
	seen := map[uint64]bool{}
	buf := make([]byte, 1500)
	_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	for len(seen) < burst {
		n, err := conn.Read(buf)
		if err != nil {
			t.Fatalf("%d of %d replies: %v", len(seen), burst, err)
		}
		origin := binary.BigEndian.Uint64(buf[24:32])
		if n != 48 || origin >= burst || seen[origin] {
			t.Fatalf("reply %d bytes echoing %d: unexpected or repeated", n, origin)
		}
		seen[origin] = true
	}
}

// TestServeLoopDoesNotAllocate checks the per-request work of the serve
// loop, limiter included, allocates nothing once a source is known.
func TestServeLoopDoesNotAllocate(t *testing.T) {
	r := &Responder{Limit: &RateLimit{Rate: 1e9, Burst: 1 << 30}, Quality: func() Quality { return Quality{Stratum: 2} }}
	loop := r.newServeLoop()
	req, from, now := clientPacket(4, modeClient, 48), netip.MustParseAddr("198.18.0.1"), time.Now()
	allocs := testing.AllocsPerRun(1000, func() {
		reply, auth, ok := loop.handle(req, from, now)
		if !ok {
			t.Fatal("request not answered")
		}
		loop.finish(reply, auth, now)
	})
	if allocs != 0 {
		t.Errorf("%v allocations per request, want 0", allocs)
	}
}

// TestResponderOverIPv6 serves on [::1] with a rate limit of one request
// per source: the sender's IPv6 address must be read right, or the second
// request would not be limited.
func TestResponderOverIPv6(t *testing.T) {
	conn, err := net.ListenUDP("udp6", &net.UDPAddr{IP: net.IPv6loopback})
	if err != nil {
		t.Skipf("no IPv6 loopback: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	r := &Responder{Limit: &RateLimit{Rate: 0.001, Burst: 1}, random: scriptedDraws(nil)}
	go func() { _ = r.Serve(ctx, conn) }()
	addr := conn.LocalAddr().(*net.UDPAddr).AddrPort()
	c := &Client{Timeout: time.Second}
	if _, err := c.Query(ctx, addr); err != nil {
		t.Fatalf("first query over IPv6: %v", err)
	}
	x, err := c.Query(ctx, addr)
	if err == nil {
		_, err = x.Sample("lo6")
	}
	if kiss, ok := IsKoD(err); !ok || kiss != KissRate {
		t.Errorf("second query from ::1: %v, want kiss-o'-death RATE", err)
	}
}

// TestResponderAdvertisesQuality checks that the header carries the
// quality the agent supplies.
func TestResponderAdvertisesQuality(t *testing.T) {
	q := Quality{Stratum: 3, RefID: 0xc6120001, RootDelay: 2 * time.Millisecond, RootDispersion: 5 * time.Millisecond}
	addr := startResponder(t, &Responder{Quality: func() Quality { return q }})
	x, err := (&Client{Timeout: time.Second}).Query(context.Background(), addr)
	if err != nil {
		t.Fatal(err)
	}
	s, err := x.Sample("lo")
	if err != nil {
		t.Fatal(err)
	}
	// 16.16 fixed point has a resolution of about 15 µs, rounded up.
	const resolution = time.Second >> 16
	if s.Stratum != 3 || s.RootDelay < 2*time.Millisecond || s.RootDispersion < 5*time.Millisecond ||
		s.RootDispersion > 5*time.Millisecond+2*resolution {
		t.Errorf("sample carries stratum %d root delay %v dispersion %v, want %+v", s.Stratum, s.RootDelay, s.RootDispersion, q)
	}
	if id := binary.BigEndian.Uint32(x.Reply[12:16]); id != q.RefID {
		t.Errorf("reference ID %#x, want %#x", id, q.RefID)
	}
}

// TestResponderRateLimitsEachSource floods from 127.0.0.1 past its budget
// (one KoD RATE, then silence) while 127.0.0.2 is still answered.
func TestResponderRateLimitsEachSource(t *testing.T) {
	r := &Responder{Limit: &RateLimit{Rate: 0.1, Burst: 2}, random: scriptedDraws(nil)}
	addr := startResponder(t, r)
	flooder, peer := netip.MustParseAddr("127.0.0.1"), netip.MustParseAddr("127.0.0.2")
	req := clientPacket(4, modeClient, 48)
	kinds := make([]string, 0, 4)
	for range 4 {
		kinds = append(kinds, replyKind(exchangeFrom(t, flooder, addr, req)))
	}
	if want := []string{"time", "time", "RATE", "none"}; !slices.Equal(kinds, want) {
		t.Errorf("flooder got %v, want %v", kinds, want)
	}
	if got := replyKind(exchangeFrom(t, peer, addr, req)); got != "time" {
		t.Errorf("other source got %q while the flooder is limited, want time", got)
	}
	if s := r.Stats(); s.Answered != 3 || s.KissOfDeath != 1 || s.Dropped != 1 {
		t.Errorf("stats %+v, want 3 answered, 1 KoD, 1 dropped", s)
	}
}

// TestResponderLeakUnderSpoofedFlood floods the responder from the real
// owner's address (127.0.0.1, another port: the limiter knows addresses,
// not ports, just as a spoofer sends them) while the owner polls: the leak
// must leave the owner a useful share of good replies (it got none before
// the leak), and the responder must send fewer bytes than it receives.
func TestResponderLeakUnderSpoofedFlood(t *testing.T) {
	r := &Responder{Limit: &RateLimit{Rate: DefaultRateLimit, Burst: DefaultRateBurst}}
	addr := startResponder(t, r)
	ctx, stop := context.WithCancel(context.Background())
	flooded := make(chan int, 1)
	go func() { flooded <- floodFrom(ctx, t, netip.MustParseAddr("127.0.0.1"), addr, 20000) }()
	defer stop()
	for deadline := time.Now().Add(10 * time.Second); r.Stats().Dropped < 1000; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the flood did not reach the responder: %+v", r.Stats())
		}
	}
	const polls = 40
	c := &Client{Timeout: 150 * time.Millisecond}
	good := 0
	for range polls {
		if x, err := c.Query(ctx, addr); err == nil {
			if _, err := x.Sample("owner"); err == nil {
				good++
			}
		}
	}
	stop()
	sent := <-flooded
	s := r.Stats()
	t.Logf("owner: %d good replies to %d polls (%.0f%%; the leak answers 1 in %d over the limit); flood: %d requests sent, responder: %+v",
		good, polls, 100*float64(good)/polls, 1<<DefaultRateLeak, sent, s)
	if good < 2 {
		t.Errorf("the owner got %d good replies to %d polls under a flood spoofing its address, want about %d", good, polls, polls>>DefaultRateLeak)
	}
	if s.BytesOut > s.BytesIn || s.Leaked == 0 {
		t.Errorf("responder sent %d bytes for %d received (%d leaked replies); want some replies and never more bytes out than in", s.BytesOut, s.BytesIn, s.Leaked)
	}
}

// floodFrom sends client requests from src to dst at about perSecond until
// ctx ends, and returns how many it sent. It never reads the replies.
func floodFrom(ctx context.Context, t *testing.T, src netip.Addr, dst netip.AddrPort, perSecond int) int {
	conn, err := net.ListenUDP("udp4", net.UDPAddrFromAddrPort(netip.AddrPortFrom(src, 0)))
	if err != nil {
		t.Error(err)
		return 0
	}
	defer conn.Close()
	req := clientPacket(4, modeClient, 48)
	start, sent := time.Now(), 0
	for ctx.Err() == nil {
		if due := int(time.Since(start).Seconds() * float64(perSecond)); sent >= due {
			time.Sleep(time.Millisecond)
			continue
		}
		if _, err := conn.WriteToUDPAddrPort(req, dst); err == nil {
			sent++
		}
	}
	return sent
}

// TestResponderIgnoresNonClientPackets sends what must not be answered.
func TestResponderIgnoresNonClientPackets(t *testing.T) {
	r := &Responder{}
	addr := startResponder(t, r)
	src := netip.MustParseAddr("127.0.0.1")
	for _, p := range [][]byte{
		clientPacket(4, modeServer, 48),
		clientPacket(2, 7, 48),
		clientPacket(4, modeClient, 20),
		[]byte("GET / HTTP/1.0\r\n\r\n"),
	} {
		if reply := exchangeFrom(t, src, addr, p); reply != nil {
			t.Errorf("answered %x with %x", p, reply)
		}
	}
	if s := r.Stats(); s.Invalid != 4 || s.Answered != 0 {
		t.Errorf("stats %+v, want 4 invalid, none answered", s)
	}
	reply := exchangeFrom(t, src, addr, clientPacket(4, modeClient, 48+28))
	if len(reply) != 48 || string(reply[24:32]) != "NONCE-42" {
		t.Errorf("request with extension fields answered with %x, want a 48-byte reply echoing NONCE-42", reply)
	}
}

// replyKind names a responder's answer: none, a kiss code, or time.
func replyKind(reply []byte) string {
	switch {
	case reply == nil:
		return "none"
	case reply[1] == 0:
		return string(reply[12:16])
	default:
		return "time"
	}
}
