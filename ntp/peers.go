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
// time the whole fleet is covered while each agent polls only a few. It is
// not safe for concurrent use.
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

// Update sets the known peers: members that are gone leave the sample and
// free places are filled at random. It reports whether the sample changed.
func (s *PeerSample) Update(known []netip.AddrPort) bool {
	s.known = slices.Clone(known)
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

// randomOutsider draws a known peer that is not a member.
func (s *PeerSample) randomOutsider() (netip.AddrPort, bool) {
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
