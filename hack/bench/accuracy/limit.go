package main

import (
	"context"
	"fmt"
	"net/netip"
	"sort"
	"time"

	"github.com/clockwatch/clockwatch/ntp"
)

// limitPoint is the physical limit at one instant, in seconds, and the
// least symmetric bound around the true offset then (truthBound): what a
// client whose offset were exactly true would still need, larger than the
// limit when the truth sits off the centre of the honest servers' region
// (asymmetric paths).
type limitPoint struct {
	at                  time.Time
	seconds, truthBound float64
}

// limit is the physical limit now: half the width of the intersection of
// the honest servers' regions, each [truth − outbound base delay − root
// distance, truth + inbound base delay + root distance], from the delays
// their relays hold datagrams for at least (floor included) and the root
// distances the servers advertise. No client can prove a narrower bound
// in steady state.
// The region's ends lie the least outbound and the least inbound of those
// away from the truth; the larger of the two is truthBound.
func (b *bench) limit(at time.Time) limitPoint {
	out, in := time.Duration(1<<62), time.Duration(1<<62)
	for _, i := range b.honest {
		p := b.routes[i]
		out = min(out, p.toServer.Delay+b.roots[i])
		in = min(in, p.toClient.Delay+b.roots[i])
	}
	return limitPoint{at: at, seconds: ((out + in) / 2).Seconds(), truthBound: max(out, in).Seconds()}
}

// limitAt returns the limit at t from points sorted by time: the last one
// at or before t (the first before any; zero if there is none).
func limitAt(points []limitPoint) func(time.Time) limitPoint {
	return func(t time.Time) limitPoint {
		i := sort.Search(len(points), func(i int) bool { return points[i].at.After(t) })
		if i > 0 {
			i--
		}
		if i >= len(points) {
			return limitPoint{}
		}
		return points[i]
	}
}

// rootDistances asks every server directly, not through its relay, what
// root delay and dispersion it advertises, and returns root delay/2 +
// root dispersion of each.
func rootDistances(ctx context.Context, servers []*referenceServer) ([]time.Duration, error) {
	client := &ntp.Client{Timeout: time.Second}
	roots := make([]time.Duration, len(servers))
	for i, s := range servers {
		addr, err := netip.ParseAddrPort(s.address())
		if err != nil {
			return nil, err
		}
		if roots[i], err = rootDistance(ctx, client, addr, s.name); err != nil {
			return nil, fmt.Errorf("ask %s for its root distance: %w", s.name, err)
		}
	}
	return roots, nil
}

// rootDistance queries addr until it answers (a few tries: chronyd may be
// starting) and returns the root distance its reply advertises.
func rootDistance(ctx context.Context, client *ntp.Client, addr netip.AddrPort, name string) (time.Duration, error) {
	var err error
	for range 5 {
		var x ntp.Exchange
		if x, err = client.Query(ctx, addr); err == nil {
			smp, serr := x.Sample(name)
			if serr == nil {
				return smp.RootDistance(), nil
			}
			err = serr
		}
		time.Sleep(serverStartup)
	}
	return 0, err
}
