package main

import (
	"errors"
	"math/rand/v2"
	"net/netip"
	"time"

	"github.com/clockwatch/clockwatch/internal/sim"
	"github.com/clockwatch/clockwatch/ntp"
)

// Topology is the data centre: hosts in racks behind a top-of-rack
// switch, racks joined by spines (equal-cost paths, one picked per flow
// and direction), and the upstream NTP servers beyond the spines.
type Topology struct {
	// RackSize is how many hosts share a rack.
	RackSize int
	// Spines is how many spine switches join the racks.
	Spines int
	// Upstreams is how many upstream NTP servers the site has; every
	// host's time daemon follows one of them, and every agent polls
	// Servers of them.
	Upstreams, Servers int
	// Loss is the share of exchanges that get no reply.
	Loss float64
}

// DefaultTopology is 40 hosts a rack, 4 spines, 4 upstream NTP servers of
// which each agent polls 2, and 0.1% loss.
func DefaultTopology() Topology {
	return Topology{RackSize: 40, Spines: 4, Upstreams: 4, Servers: 2, Loss: 0.001}
}

func (t Topology) validate() error {
	if t.RackSize < 1 || t.Spines < 1 || t.Upstreams < 1 || t.Servers < 0 || t.Servers > t.Upstreams {
		return errors.New("fleetsim: the topology needs racks of at least one host, a spine, an upstream server, and agents polling no more servers than there are")
	}
	if !(t.Loss >= 0 && t.Loss < 1) {
		return errors.New("fleetsim: loss must be in [0, 1)")
	}
	return nil
}

// racks is how many racks n hosts fill.
func (t Topology) racks(n int) int { return (n + t.RackSize - 1) / t.RackSize }

// The network's delays: a host's link to its top-of-rack switch, one way,
// and a rack's uplink to a spine, one way, are drawn per link and
// direction in these ranges, so links are asymmetric; the upstream
// servers are coreDelay one way beyond the spines.
const (
	hostLinkMin, hostLinkMax = 3 * time.Microsecond, 8 * time.Microsecond
	uplinkMin, uplinkMax     = 5 * time.Microsecond, 40 * time.Microsecond
	coreDelay                = 80 * time.Microsecond
)

// Queueing on a path: light within a rack, heavier and heavy-tailed
// across the fabric.
var (
	rackJitter   = sim.Jitter{Kind: sim.Exponential, Mean: 8 * time.Microsecond}
	fabricJitter = sim.Jitter{Kind: sim.Pareto, Mean: 25 * time.Microsecond, Shape: 2}
)

// network is a topology's links, drawn from the seed.
type network struct {
	Topology
	hosts int
	// hostUp and hostDown are each host's link to its switch, one way.
	hostUp, hostDown []time.Duration
	// up and down are each rack's uplink to each spine, one way.
	up, down [][]time.Duration
	// detour is how much the uplinks of the detoured racks detour, each
	// rack's from its detourFrom.
	detour     time.Duration
	detoured   []bool
	detourFrom []time.Duration
}

func newNetwork(t Topology, hosts int, rng *rand.Rand) *network {
	n := &network{Topology: t, hosts: hosts, hostUp: make([]time.Duration, hosts), hostDown: make([]time.Duration, hosts)}
	for i := range hosts {
		n.hostUp[i], n.hostDown[i] = between(rng, hostLinkMin, hostLinkMax), between(rng, hostLinkMin, hostLinkMax)
	}
	racks := t.racks(hosts)
	n.up, n.down, n.detoured, n.detourFrom = make([][]time.Duration, racks), make([][]time.Duration, racks), make([]bool, racks), make([]time.Duration, racks)
	for r := range racks {
		for range t.Spines {
			n.up[r] = append(n.up[r], between(rng, uplinkMin, uplinkMax))
			n.down[r] = append(n.down[r], between(rng, uplinkMin, uplinkMax))
		}
	}
	return n
}

// between draws a duration in [lo, hi).
func between(rng *rand.Rand, lo, hi time.Duration) time.Duration {
	return lo + time.Duration(rng.Int64N(int64(hi-lo)))
}

// rack is the rack of host i.
func (n *network) rack(i int) int { return i / n.RackSize }

// spine is the spine a flow from a to b takes (ECMP hashes each direction
// on its own).
func (n *network) spine(a, b int) int { return int(mix(uint64(a)<<32|uint64(b)) % uint64(n.Spines)) }

// mix is SplitMix64's finalizer: a fixed hash of x.
func mix(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	return x ^ x>>31
}

// uplink is the one-way delay up from rack r to spine s at true time t,
// with its detour.
func (n *network) uplink(r, s int, t time.Duration) time.Duration {
	if n.detoured[r] && t >= n.detourFrom[r] {
		return n.up[r][s] + n.detour
	}
	return n.up[r][s]
}

// path is the network between hosts a and b at true time t.
func (n *network) path(a, b int, t time.Duration) sim.Path {
	out, back := n.hostUp[a]+n.hostDown[b], n.hostUp[b]+n.hostDown[a]
	jitter := rackJitter
	if ra, rb := n.rack(a), n.rack(b); ra != rb {
		so, sb := n.spine(a, b), n.spine(b, a)
		out += n.uplink(ra, so, t) + n.down[rb][so]
		back += n.uplink(rb, sb, t) + n.down[ra][sb]
		jitter = fabricJitter
	}
	return n.pathOf(out, back, jitter)
}

// serverPath is the network between host a and upstream server u at true
// time t.
func (n *network) serverPath(a, u int, t time.Duration) sim.Path {
	r, s := n.rack(a), n.spine(a, n.hosts+u)
	out := n.hostUp[a] + n.uplink(r, s, t) + coreDelay
	back := coreDelay + n.down[r][s] + n.hostDown[a]
	return n.pathOf(out, back, fabricJitter)
}

func (n *network) pathOf(out, back time.Duration, jitter sim.Jitter) sim.Path {
	return sim.Path{Delay: out + back, Outbound: float64(out) / float64(out+back), Jitter: jitter, Loss: n.Loss}
}

// Addresses: hosts answer peers at 198.18.0.1 and up, the upstream
// servers are at the top of 198.19.255.0/24 (RFC 2544's benchmarking
// range, never routed).
var (
	firstHost     = netip.MustParseAddr("198.18.0.1")
	firstUpstream = netip.MustParseAddr("198.19.255.1")
)

// hostAddress is where host i's agent answers its peers.
func hostAddress(i int) netip.AddrPort {
	return netip.AddrPortFrom(offsetAddr(firstHost, i), ntp.DefaultResponderPort)
}

// hostOf is the host whose agent answers at a.
func hostOf(a netip.AddrPort) int { return int(addrNumber(a.Addr()) - addrNumber(firstHost)) }

// upstreamAddress is upstream server u's address.
func upstreamAddress(u int) netip.AddrPort {
	return netip.AddrPortFrom(offsetAddr(firstUpstream, u), 123)
}

func offsetAddr(a netip.Addr, i int) netip.Addr {
	n := addrNumber(a) + uint32(i)
	return netip.AddrFrom4([4]byte{byte(n >> 24), byte(n >> 16), byte(n >> 8), byte(n)})
}

func addrNumber(a netip.Addr) uint32 {
	b := a.As4()
	return uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
}
