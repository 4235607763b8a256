package ntp

import (
	"context"
	"net"
	"net/netip"
	"slices"
	"sync"
	"testing"

	"golang.org/x/net/dns/dnsmessage"
)

// dnsServer answers A, AAAA and SRV questions from its records over UDP on
// loopback; while down it answers SERVFAIL.
type dnsServer struct {
	conn net.PacketConn

	mu    sync.Mutex
	hosts map[string][]netip.Addr
	srv   map[string][]net.SRV
	down  bool
}

// startDNS serves DNS on a loopback port until the test ends.
func startDNS(t *testing.T) *dnsServer {
	t.Helper()
	conn, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	d := &dnsServer{conn: conn, hosts: map[string][]netip.Addr{}, srv: map[string][]net.SRV{}}
	go d.serve()
	return d
}

// resolver is a Go resolver that asks only this server.
func (d *dnsServer) resolver() *net.Resolver {
	return &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, _, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, "udp", d.conn.LocalAddr().String())
	}}
}

// setDown makes the server fail every question, or answer again.
func (d *dnsServer) setDown(down bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.down = down
}

func (d *dnsServer) serve() {
	buf := make([]byte, 1500)
	for {
		n, from, err := d.conn.ReadFrom(buf)
		if err != nil {
			return
		}
		if reply, err := d.answer(buf[:n]); err == nil {
			_, _ = d.conn.WriteTo(reply, from)
		}
	}
}

// answer builds the response to one query.
func (d *dnsServer) answer(query []byte) ([]byte, error) {
	var p dnsmessage.Parser
	h, err := p.Start(query)
	if err != nil {
		return nil, err
	}
	q, err := p.Question()
	if err != nil {
		return nil, err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	rcode := dnsmessage.RCodeSuccess
	if d.down {
		rcode = dnsmessage.RCodeServerFailure
	}
	b := dnsmessage.NewBuilder(nil, dnsmessage.Header{ID: h.ID, Response: true, Authoritative: true, RCode: rcode})
	if err := b.StartQuestions(); err != nil {
		return nil, err
	}
	if err := b.Question(q); err != nil {
		return nil, err
	}
	if err := b.StartAnswers(); err != nil {
		return nil, err
	}
	if !d.down {
		if err := d.records(&b, q); err != nil {
			return nil, err
		}
	}
	return b.Finish()
}

// records adds the answers to q.
func (d *dnsServer) records(b *dnsmessage.Builder, q dnsmessage.Question) error {
	hdr := dnsmessage.ResourceHeader{Name: q.Name, Class: dnsmessage.ClassINET, TTL: 1}
	name := q.Name.String()
	for _, ip := range d.hosts[name] {
		var err error
		switch {
		case q.Type == dnsmessage.TypeA && ip.Is4():
			err = b.AResource(hdr, dnsmessage.AResource{A: ip.As4()})
		case q.Type == dnsmessage.TypeAAAA && ip.Is6():
			err = b.AAAAResource(hdr, dnsmessage.AAAAResource{AAAA: ip.As16()})
		}
		if err != nil {
			return err
		}
	}
	if q.Type == dnsmessage.TypeSRV {
		for _, s := range d.srv[name] {
			target, err := dnsmessage.NewName(s.Target)
			if err != nil {
				return err
			}
			if err := b.SRVResource(hdr, dnsmessage.SRVResource{Priority: s.Priority, Weight: s.Weight, Port: s.Port, Target: target}); err != nil {
				return err
			}
		}
	}
	return nil
}

// TestDiscoverThroughDNS discovers peers through Go's own resolver and a
// DNS server on loopback: a headless-Service-like name with A and AAAA
// records, an SRV name, and an outage that keeps the last good answers.
func TestDiscoverThroughDNS(t *testing.T) {
	dns := startDNS(t)
	dns.mu.Lock()
	dns.hosts["agents.clockwatch.test."] = []netip.Addr{
		netip.MustParseAddr("198.18.0.2"), netip.MustParseAddr("198.18.0.3"), netip.MustParseAddr("2001:db8::2")}
	dns.hosts["a.clockwatch.test."] = []netip.Addr{netip.MustParseAddr("198.18.0.10")}
	dns.srv["_clockwatch._udp.clockwatch.test."] = []net.SRV{{Target: "a.clockwatch.test.", Port: 9200, Priority: 1, Weight: 1}}
	dns.mu.Unlock()
	d := &Discovery{DNS: []string{"agents.clockwatch.test."}, SRV: []string{"_clockwatch._udp.clockwatch.test."}, Resolver: dns.resolver()}
	want := addrPorts("198.18.0.2:9123", "198.18.0.3:9123", "198.18.0.10:9200")

	got, err := d.Discover(context.Background())
	if err != nil || !slices.Equal(got, want) {
		t.Fatalf("Discover = %v, %v; want %v", got, err, want)
	}
	dns.setDown(true)
	got, err = d.Discover(context.Background())
	if err == nil || !slices.Equal(got, want) {
		t.Errorf("with DNS down: %v, %v; want the last good %v and an error", got, err, want)
	}
	dns.setDown(false)
	dns.mu.Lock()
	dns.hosts["agents.clockwatch.test."] = []netip.Addr{netip.MustParseAddr("198.18.0.4")}
	dns.mu.Unlock()
	got, err = d.Discover(context.Background())
	if want := addrPorts("198.18.0.4:9123", "198.18.0.10:9200"); err != nil || !slices.Equal(got, want) {
		t.Errorf("after DNS came back with new records: %v, %v; want %v", got, err, want)
	}
}
