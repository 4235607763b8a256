package ntp

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"slices"
	"sync"
	"testing"
)

// fakeResolver answers from maps; a name in down fails.
type fakeResolver struct {
	mu      sync.Mutex
	lookups int
	hosts   map[string][]string
	srv     map[string][]*net.SRV
	down    map[string]bool
}

func (f *fakeResolver) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.lookups++
	if f.down[host] || f.hosts[host] == nil {
		return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
	}
	var out []netip.Addr
	for _, s := range f.hosts[host] {
		out = append(out, netip.MustParseAddr(s))
	}
	return out, nil
}

func (f *fakeResolver) LookupSRV(_ context.Context, _, _, name string) (string, []*net.SRV, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.down[name] || f.srv[name] == nil {
		return "", nil, &net.DNSError{Err: "no such host", Name: name, IsNotFound: true}
	}
	return name, f.srv[name], nil
}

// set changes what host resolves to; nil takes it down.
func (f *fakeResolver) set(host string, addrs ...string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.hosts[host] = addrs
}

// lookupCount returns how many address lookups were made.
func (f *fakeResolver) lookupCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.lookups
}

func addrPorts(ss ...string) []netip.AddrPort {
	out := make([]netip.AddrPort, len(ss))
	for i, s := range ss {
		out[i] = netip.MustParseAddrPort(s)
	}
	return out
}

func TestDiscover(t *testing.T) {
	dns := &fakeResolver{
		hosts: map[string][]string{
			"agents.clockwatch.svc": {"198.18.0.3", "198.18.0.2", "2001:db8::3"},
			"v6only.example":        {"2001:db8::7"},
			"a.example":             {"198.18.0.10"},
			"b.example":             {"198.18.0.11"},
			"static.example":        {"198.18.0.20"},
		},
		srv: map[string][]*net.SRV{
			"_clockwatch._udp.example": {{Target: "a.example.", Port: 9200}, {Target: "b.example.", Port: 9201}},
		},
	}
	tests := []struct {
		name string
		d    Discovery
		want []netip.AddrPort
	}{
		{"static literals and names, default port", Discovery{Static: []string{"198.18.0.1:123", "static.example", "[2001:db8::1]:9000"}},
			addrPorts("198.18.0.1:123", "198.18.0.20:9123", "[2001:db8::1]:9000")},
		{"A records only when a host has IPv4", Discovery{DNS: []string{"agents.clockwatch.svc"}, Port: 9300},
			addrPorts("198.18.0.2:9300", "198.18.0.3:9300")},
		{"AAAA when that is all", Discovery{DNS: []string{"v6only.example:9400"}}, addrPorts("[2001:db8::7]:9400")},
		{"SRV targets on their ports", Discovery{SRV: []string{"_clockwatch._udp.example"}},
			addrPorts("198.18.0.10:9200", "198.18.0.11:9201")},
		{"duplicates across sources count once", Discovery{Static: []string{"198.18.0.2:9123"}, DNS: []string{"agents.clockwatch.svc"}},
			addrPorts("198.18.0.2:9123", "198.18.0.3:9123")},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.d.Resolver = dns
			got, err := tc.d.Discover(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("Discover = %v, want %v", got, tc.want)
			}
		})
	}
}

// TestDiscoverKeepsLastGoodAnswer takes DNS down after a good lookup: the
// peers stay, and the error says what failed.
func TestDiscoverKeepsLastGoodAnswer(t *testing.T) {
	dns := &fakeResolver{
		hosts: map[string][]string{"agents": {"198.18.0.2", "198.18.0.3"}, "a.example": {"198.18.0.10"}},
		srv:   map[string][]*net.SRV{"_cw._udp": {{Target: "a.example.", Port: 9200}}},
		down:  map[string]bool{},
	}
	d := &Discovery{DNS: []string{"agents"}, SRV: []string{"_cw._udp"}, Resolver: dns}
	first, err := d.Discover(context.Background())
	if err != nil || len(first) != 3 {
		t.Fatalf("first discovery: %v %v", first, err)
	}
	dns.down["agents"], dns.down["a.example"] = true, true
	again, err := d.Discover(context.Background())
	var dnsErr *net.DNSError
	if !errors.As(err, &dnsErr) {
		t.Errorf("failed lookups not reported: %v", err)
	}
	if !slices.Equal(again, first) {
		t.Errorf("after DNS failure: %v, want the last good %v", again, first)
	}

	fresh := &Discovery{DNS: []string{"agents"}, Resolver: dns}
	if got, err := fresh.Discover(context.Background()); len(got) != 0 || err == nil {
		t.Errorf("never resolved: %v %v, want nothing and an error", got, err)
	}
}

func TestDiscoveryCheck(t *testing.T) {
	tests := []struct {
		name string
		d    Discovery
		ok   bool
	}{
		{"good", Discovery{Static: []string{"198.18.0.1", "host:9000", "[2001:db8::1]:9000"}, DNS: []string{"svc", "svc:9000"}, SRV: []string{"_cw._udp.example"}}, true},
		{"port 0", Discovery{Static: []string{"host:0"}}, false},
		{"port too big", Discovery{Static: []string{"host:99999"}}, false},
		{"port by name", Discovery{DNS: []string{"svc:ntp"}}, false},
		{"no host", Discovery{Static: []string{":123"}}, false},
		{"empty", Discovery{DNS: []string{""}}, false},
		{"URL", Discovery{Static: []string{"http://host/"}}, false},
		{"SRV with a port", Discovery{SRV: []string{"_cw._udp.example:53"}}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.d.Check()
			if (err == nil) != tc.ok {
				t.Errorf("Check() = %v, want ok %v", err, tc.ok)
			}
		})
	}
}

func TestSelfAddresses(t *testing.T) {
	got, err := SelfAddresses(netip.MustParseAddrPort("198.18.0.1:9123"))
	if err != nil || !slices.Equal(got, addrPorts("198.18.0.1:9123")) {
		t.Errorf("specific address: %v %v", got, err)
	}
	all, err := SelfAddresses(netip.AddrPortFrom(netip.Addr{}, 9123))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(all, netip.MustParseAddrPort("127.0.0.1:9123")) {
		t.Errorf("wildcard listen: %v lacks loopback", all)
	}
}
