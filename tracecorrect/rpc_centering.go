package tracecorrect

import (
	"math"

	"github.com/clockwatch/clockwatch/internal/saturate"
)

// centeringSweeps caps the passes of coordinate descent in centerRPCs.
const centeringSweeps = 100

// rpcTerm pulls shift[server] − shift[client] towards centre, with a
// weight from how little room the call leaves: the sum over the calls
// between the two hosts.
type rpcTerm struct {
	client, server int32
	weight         float64
	weightedCentre float64 // Σ weight × centre
}

// buildRPCTerms collects, per pair of hosts, what their CLIENT–SERVER
// calls say about the shifts: the server's middle belongs at the client's
// middle when request and response took equally long, give or take half
// the call's network time, its slack.
func (tc *traceCorrection) buildRPCTerms() {
	v := tc.view
	tc.terms = tc.terms[:0]
	clear(tc.consAt)
	for i := range v.spans {
		c := &v.spans[i]
		if c.parent < 0 {
			continue
		}
		p := &v.spans[c.parent]
		if p.host == c.host || !mustEndWithin(p.kind, c.kind) {
			continue
		}
		// Differences first: times near 2^60 ns have no nanoseconds left as floats.
		startGap, endGap := float64(saturate.Sub(c.cstart, p.cstart)), float64(saturate.Sub(p.cend, c.cend))
		centre := (endGap - startGap) / 2
		slack := max(startGap+endGap, 1000)
		weight := 12 / (slack * slack) // a uniform error over ±slack/2
		tc.addRPCTerm(p.host, c.host, weight, centre)
	}
}

// addRPCTerm adds one call's pull to the term of its host pair.
func (tc *traceCorrection) addRPCTerm(client, server int32, weight, centre float64) {
	key := uint64(client)<<33 | uint64(server)<<1
	if at, ok := tc.consAt[key]; ok {
		tc.terms[at].weight += weight
		tc.terms[at].weightedCentre += weight * centre
		return
	}
	tc.consAt[key] = int32(len(tc.terms))
	tc.terms = append(tc.terms, rpcTerm{client: client, server: server, weight: weight, weightedCentre: weight * centre})
}

// centerRPCs moves the shifts, host by host, towards the best estimate
// that weighs each host's measured offset (uniform within its bound)
// against the centring of its calls, never leaving the constraints or the
// bounds. It starts from shifts that meet both and keeps them met.
func (tc *traceCorrection) centerRPCs() {
	tc.buildRPCTerms()
	if len(tc.terms) == 0 {
		return
	}
	for range centeringSweeps {
		changed := false
		for h := range tc.hosts {
			next := tc.bestShift(int32(h))
			changed = changed || next != tc.shift[h]
			tc.shift[h] = next
		}
		if !changed {
			return
		}
	}
}

// bestShift minimises the weighted squares over shift[h] alone, the other
// shifts held, within the window the constraints and bound leave it.
func (tc *traceCorrection) bestShift(h int32) int64 {
	variance := float64(unmeasuredSigma) * unmeasuredSigma
	if b := tc.hosts[h].bound; b != unbounded {
		variance = float64(max(b, 1)) * float64(max(b, 1)) / 3
	}
	a, b := 1/variance, float64(tc.prefer[h])/variance
	for _, t := range tc.terms {
		switch h {
		case t.server:
			a += t.weight
			b += t.weight*float64(tc.shift[t.client]) + t.weightedCentre
		case t.client:
			a += t.weight
			b += t.weight*float64(tc.shift[t.server]) - t.weightedCentre
		}
	}
	lo, hi := tc.window(h)
	best := math.Round(b / a)
	return min(max(int64(max(min(best, math.MaxInt64/2), math.MinInt64/2)), lo), hi)
}

// window is the range of shift[h] that keeps every constraint and h's
// bound, the other shifts held.
func (tc *traceCorrection) window(h int32) (lo, hi int64) {
	lo, hi = math.MinInt64, math.MaxInt64
	if b := tc.hosts[h].bound; b != unbounded {
		lo, hi = -b, b
	}
	for _, c := range tc.cons {
		if c.u == h {
			hi = min(hi, saturate.Add(tc.shift[c.v], c.limit))
		}
		if c.v == h {
			lo = max(lo, saturate.Sub(tc.shift[c.u], c.limit))
		}
	}
	if lo > hi {
		return tc.shift[h], tc.shift[h]
	}
	return lo, hi
}
