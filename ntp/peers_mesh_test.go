package ntp

import (
	"context"
	"math/rand/v2"
	"net/netip"
	"slices"
	"testing"
	"time"
)

// TestPeerMesh runs the mesh against a DNS name whose answer changes: the
// agent's own address is left out, a DNS outage keeps the sample, and new
// peers are picked up at the next refresh.
func TestPeerMesh(t *testing.T) {
	dns := &fakeResolver{hosts: map[string][]string{"agents": {"198.18.0.1", "198.18.0.2", "198.18.0.3"}}}
	self := addrPorts("198.18.0.1:9123")
	m := &PeerMesh{
		Discovery: &Discovery{DNS: []string{"agents"}, Resolver: dns},
		Sample:    NewPeerSample(8, rand.New(rand.NewPCG(1, 1))),
		Refresh:   10 * time.Millisecond,
		Rotate:    time.Hour,
		Self:      func() ([]netip.AddrPort, error) { return self, nil },
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	samples := make(chan []netip.AddrPort, 16)
	done := make(chan struct{})
	go func() {
		defer close(done)
		m.Run(ctx, func(s []netip.AddrPort) { samples <- s })
	}()
	next := func(what string) []netip.AddrPort {
		t.Helper()
		select {
		case s := <-samples:
			return s
		case <-time.After(10 * time.Second):
			t.Fatalf("no sample reported: %s", what)
			return nil
		}
	}
	if got, want := next("first"), addrPorts("198.18.0.2:9123", "198.18.0.3:9123"); !slices.Equal(got, want) {
		t.Fatalf("first sample %v, want %v (without this agent)", got, want)
	}
	dns.set("agents") // outage
	for seen := dns.lookupCount(); dns.lookupCount() < seen+3; {
		time.Sleep(time.Millisecond)
	}
	select {
	case s := <-samples:
		t.Fatalf("sample changed to %v during a DNS outage", s)
	default:
	}
	dns.set("agents", "198.18.0.1", "198.18.0.2", "198.18.0.3", "198.18.0.4")
	if got, want := next("after a new peer"), addrPorts("198.18.0.2:9123", "198.18.0.3:9123", "198.18.0.4:9123"); !slices.Equal(got, want) {
		t.Fatalf("sample %v, want %v: an outage must not empty it, a new peer must join", got, want)
	}
	cancel()
	<-done
}
