package mesh

import (
	"math"
	"slices"
	"time"
)

// terms are the hosts whose own route changed (a rack's uplink, which
// every path out of the rack takes), by how much that moved the offsets
// of their paths, as the host sees them (x_host − x_other), and the round
// trip it added.
type terms map[string]term

// term is one host's route change: its share of its paths' offsets, how
// far they scatter around it, and the round trip it added.
type term struct{ share, spread, added time.Duration }

// termSweeps is the most sweeps hostTerms makes.
const termSweeps = 8

// hostTerms finds whose own route changed, from the paths measured this
// round. A path's route changes are those of its two hosts' routes: its
// share is the share of From's term less To's, the round trip added the
// sum of theirs (a path within a rack, which crosses neither uplink, is
// the exception; a rack's hosts are few of each other's peers). So each
// host's term is solved for as Infer solves offsets, by sweeps of medians
// over its paths of what is left of each once the other host's term is
// taken off. A healthy host most of whose peers are in rerouted racks has
// most of its paths rerouted but its own term nothing; a host of a
// rerouted rack has every path out of it rerouted alike.
//
// A host has a term when the round trip its own route added is
// routeChange or more either way. Its share is the median over its paths
// to movedAgreeing or more other hosts that the last inference did not
// name: a path's own share can hold a step of the host at its other end
// that fell between its last measurement on the old route and its first
// on the new one, and a host not off holds none. A host whose own route
// changed but that has too few peers not named keeps its term of the
// round before, prev: its route did not change back, only the peers it
// could be read from are off.
func hostTerms(edges []Edge, paths []*path, named map[string]bool, prev terms, routeChange time.Duration) terms {
	views := pathViews(edges, paths)
	hosts := make([]string, 0, len(views))
	for host, vs := range views {
		if slices.ContainsFunc(vs, func(v pathView) bool { return v.added.Abs() >= routeChange }) {
			hosts = append(hosts, host)
		}
	}
	slices.Sort(hosts)
	out := terms{}
	for range termSweeps {
		moved := false
		for _, host := range hosts {
			t, ok := solveTerm(views[host], out, named, routeChange)
			if !ok {
				t, ok = prev[host]
				ok = ok && ownAdded(views[host], out) >= routeChange
			}
			if was, had := out[host]; had != ok || was != t {
				moved = true
			}
			if ok {
				out[host] = t
			} else {
				delete(out, host)
			}
		}
		if !moved {
			break
		}
	}
	return out
}

// pathView is a path as one of its hosts sees it: the share of route
// changes in its offset (x_host − x_other) and the round trip they added.
type pathView struct {
	other        string
	share, added time.Duration
}

// pathViews lists, by host, its paths measured this round that History
// follows and whose newest measurement is on their current route.
func pathViews(edges []Edge, paths []*path) map[string][]pathView {
	views := map[string][]pathView{}
	for k, e := range edges {
		p := paths[k]
		if p == nil || !p.corrected {
			continue
		}
		added := p.level - p.origin
		views[e.From] = append(views[e.From], pathView{e.To, p.shift, added})
		views[e.To] = append(views[e.To], pathView{e.From, -p.shift, added})
	}
	return views
}

// ownAdded is the median round trip a host's own route change added to
// its paths, vs, once their other hosts' terms, ts, are taken off.
func ownAdded(vs []pathView, ts terms) time.Duration {
	added := make([]float64, len(vs))
	for k, v := range vs {
		added[k] = float64(v.added - ts[v.other].added)
	}
	return toDuration(median(added)).Abs()
}

// solveTerm is a host's term from its paths, vs, given the others' terms:
// ok when its own route added routeChange or more and movedAgreeing hosts
// not named are at the other end of its paths.
func solveTerm(vs []pathView, ts terms, named map[string]bool, routeChange time.Duration) (term, bool) {
	if ownAdded(vs, ts) < routeChange {
		return term{}, false
	}
	var shares, added []float64
	var others []string
	for _, v := range vs {
		if named[v.other] {
			continue
		}
		o := ts[v.other]
		shares = append(shares, float64(v.share+o.share))
		added = append(added, float64(v.added-o.added))
		if !slices.Contains(others, v.other) {
			others = append(others, v.other)
		}
	}
	if len(others) < movedAgreeing {
		return term{}, false
	}
	m := median(shares)
	for k := range shares {
		shares[k] = math.Abs(shares[k] - m)
	}
	return term{share: toDuration(m), spread: toDuration(median(shares)), added: toDuration(median(added))}, true
}

// expect returns the share of the route changes of the path from one host
// to another that their terms explain, how far it may be off, and whether
// either host has a term.
func (ts terms) expect(from, to string) (share, spread time.Duration, ok bool) {
	if t, has := ts[from]; has {
		share, spread, ok = share+t.share, spread+t.spread, true
	}
	if t, has := ts[to]; has {
		share, spread, ok = share-t.share, spread+t.spread, true
	}
	return share, spread, ok
}

// seed starts the path of measurement e, its first: on the route it is
// measured on, or, where the last round found the route of one of its
// hosts changed, on that changed route, as though it had been measured
// before the change. A rack's route change moves every path out of the
// rack, including those its hosts measure for the first time after it
// (peers rotate); unless they start on the changed route, they carry the
// detour uncorrected with an error as wide as it, and a rerouted host's
// paths, some corrected and some not, put it between the two. A host's
// change is taken to be on the path when the path's round trip is at
// least what the change added: a path shorter than a detour cannot have
// taken it (a path within the rack does not cross its uplink).
func (ts terms) seed(e Edge) *path {
	p := &path{origin: e.Delay, level: e.Delay, last: sample{e.Offset, e.Delay}, taken: e.Taken, corrected: true}
	take := func(t term, sign time.Duration) {
		if p.origin-t.added >= 0 && t.added != 0 {
			p.origin -= t.added
			p.shift += sign * t.share
			p.slack += t.spread
		}
	}
	if t, ok := ts[e.From]; ok {
		take(t, 1)
	}
	if t, ok := ts[e.To]; ok {
		take(t, -1)
	}
	return p
}
