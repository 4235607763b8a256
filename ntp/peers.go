package ntp

import (
	"math/rand/v2"
	"net/netip"
	"slices"
)

// DefaultPeerSample is how many peers an agent measures at a time.
const DefaultPeerSample = 8

// PeerSample is the random subset of the known peers an agent measures. It
// rotates: each Rotate swaps a quarter of it for peers not in it, so over
// time the whole fleet is covered while each agent polls only a few. A
// draw costs O(size), not O(known peers), so rotating costs an agent the
// same in a fleet of ten or of a hundred thousand. It is not safe for
// concurrent use.
type PeerSample struct {
	size    int
	rng     *rand.Rand
	known   []netip.AddrPort
	members []netip.AddrPort
}

// NewPeerSample returns an empty sample of at most size peers (default
// DefaultPeerSample) drawn with rng.
func NewPeerSample(size int, rng *rand.Rand) *PeerSample {
	if size <= 0 {
		size = DefaultPeerSample
	}
	return &PeerSample{size: size, rng: rng}
}

// Members returns the sample, sorted.
func (s *PeerSample) Members() []netip.AddrPort {
	out := slices.Clone(s.members)
	slices.SortFunc(out, netip.AddrPort.Compare)
	return out
}

// Update sets the known peers, a list without duplicates: members that are
// gone leave the sample and free places are filled at random. It reports
// whether the sample changed. The sample keeps known without copying it
// (a fleet simulation shares one list among thousands of samples): the
// caller must not change it afterwards. Discovery.Discover returns a new
// list every time.
func (s *PeerSample) Update(known []netip.AddrPort) bool {
	s.known = known
	kept := s.members[:0:0]
	for _, m := range s.members {
		if slices.Contains(s.known, m) {
			kept = append(kept, m)
		}
	}
	changed := len(kept) != len(s.members)
	s.members = kept
	for len(s.members) < s.size {
		p, ok := s.randomOutsider()
		if !ok {
			break
		}
		s.members = append(s.members, p)
		changed = true
	}
	return changed
}

// Rotate swaps a quarter of the sample (at least one member) for random
// peers outside it, and reports whether the sample changed: it cannot
// when every known peer is already in it.
func (s *PeerSample) Rotate() bool {
	swaps := max(1, len(s.members)/4)
	changed := false
	for range swaps {
		p, ok := s.randomOutsider()
		if !ok {
			break
		}
		s.members[s.rng.IntN(len(s.members))] = p
		changed = true
	}
	return changed
}

// outsiderTries is how many random picks randomOutsider makes before it
// lists the outsiders: with a fleet much larger than the sample the first
// pick almost always succeeds.
const outsiderTries = 16

// randomOutsider draws a known peer that is not a member, every one with
// the same chance: random picks of known peers until one is not a member,
// or, when they keep hitting members (a fleet hardly larger than the
// sample), a pick from the list of those that are not.
func (s *PeerSample) randomOutsider() (netip.AddrPort, bool) {
	if len(s.known) == 0 {
		return netip.AddrPort{}, false
	}
	for range outsiderTries {
		if p := s.known[s.rng.IntN(len(s.known))]; !slices.Contains(s.members, p) {
			return p, true
		}
	}
	var outside []netip.AddrPort
	for _, p := range s.known {
		if !slices.Contains(s.members, p) {
			outside = append(outside, p)
		}
	}
	if len(outside) == 0 {
		return netip.AddrPort{}, false
	}
	return outside[s.rng.IntN(len(outside))], true
}
