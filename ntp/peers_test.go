package ntp

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"slices"
	"testing"
)

// fleet returns n peer addresses, up to 131,072 (198.18.0.0/15).
func fleet(n int) []netip.AddrPort {
	out := make([]netip.AddrPort, n)
	for i := range out {
		out[i] = netip.MustParseAddrPort(fmt.Sprintf("198.%d.%d.%d:9123", 18+i/(250*250), i/250%250, i%250+1))
	}
	return out
}

func TestPeerSampleUpdate(t *testing.T) {
	tests := []struct {
		name      string
		size      int
		first     []netip.AddrPort
		then      []netip.AddrPort
		wantSize  int
		wantKept  int // members of the first sample still in the second
		wantEqual bool
	}{
		{"small fleet: everyone", 8, fleet(5), fleet(5), 5, 5, true},
		{"large fleet: size", 8, fleet(100), fleet(100), 8, 8, true},
		{"peers vanish: replaced", 8, fleet(100), fleet(100)[50:], 8, -1, false},
		{"fleet shrinks below size", 8, fleet(100), fleet(3), 3, -1, false},
		{"discovery empty", 8, fleet(10), nil, 0, 0, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := NewPeerSample(tc.size, rand.New(rand.NewPCG(1, 2)))
			s.Update(tc.first)
			first := s.Members()
			changed := s.Update(tc.then)
			got := s.Members()
			if len(got) != tc.wantSize {
				t.Errorf("sample %v has %d members, want %d", got, len(got), tc.wantSize)
			}
			if changed == tc.wantEqual {
				t.Errorf("Update reported changed=%v for %v -> %v", changed, first, got)
			}
			for _, m := range got {
				if !slices.Contains(tc.then, m) {
					t.Errorf("member %v is not a known peer", m)
				}
			}
			if tc.wantKept >= 0 && countCommon(first, got) != tc.wantKept {
				t.Errorf("kept %d of %v in %v, want %d", countCommon(first, got), first, got, tc.wantKept)
			}
			if len(got) != len(slices.Compact(slices.Clone(got))) {
				t.Errorf("duplicate members: %v", got)
			}
		})
	}
}

// TestPeerSampleRotationCoversFleet rotates a sample of 8 over 200 peers:
// every peer is measured at some point, and each rotation keeps most of
// the sample so the estimator keeps its history.
func TestPeerSampleRotationCoversFleet(t *testing.T) {
	peers := fleet(200)
	s := NewPeerSample(8, rand.New(rand.NewPCG(3, 4)))
	s.Update(peers)
	seen := map[netip.AddrPort]bool{}
	rotations := 0
	for ; len(seen) < len(peers) && rotations < 10000; rotations++ {
		before := s.Members()
		if !s.Rotate() {
			t.Fatal("Rotate changed nothing with peers outside the sample")
		}
		after := s.Members()
		if len(after) != 8 || countCommon(before, after) < 6 {
			t.Fatalf("rotation %v -> %v: want 8 members, at least 6 kept", before, after)
		}
		for _, m := range after {
			seen[m] = true
		}
	}
	if len(seen) < len(peers) {
		t.Fatalf("after %d rotations %d of %d peers were sampled", rotations, len(seen), len(peers))
	}
	t.Logf("all %d peers sampled after %d rotations", len(peers), rotations)

	small := NewPeerSample(8, rand.New(rand.NewPCG(5, 6)))
	small.Update(fleet(4))
	if small.Rotate() {
		t.Error("Rotate changed a sample that holds every peer")
	}
}

func countCommon(a, b []netip.AddrPort) int {
	n := 0
	for _, x := range a {
		if slices.Contains(b, x) {
			n++
		}
	}
	return n
}

// TestPeerSampleDrawsUniformly rotates samples over fleets where the
// random picks mostly succeed and where they mostly hit members: every
// peer joins the sample about as often as every other.
func TestPeerSampleDrawsUniformly(t *testing.T) {
	tests := []struct {
		name        string
		size, peers int
	}{
		{"fleet hardly larger than the sample", 8, 10},
		{"fleet much larger than the sample", 2, 40},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := NewPeerSample(tc.size, rand.New(rand.NewPCG(7, 8)))
			s.Update(fleet(tc.peers))
			joined := map[netip.AddrPort]int{}
			draws := 0
			for range 100000 {
				before := s.Members()
				s.Rotate()
				for _, m := range s.Members() {
					if !slices.Contains(before, m) {
						joined[m]++
						draws++
					}
				}
			}
			want := float64(draws) / float64(tc.peers)
			for _, p := range fleet(tc.peers) {
				if got := float64(joined[p]); got < 0.9*want || got > 1.1*want {
					t.Errorf("peer %v joined the sample %v times, want about %.0f", p, got, want)
				}
			}
		})
	}
}

// BenchmarkPeerSampleRotate rotates a sample of 8 in fleets of growing
// size: the cost per rotation does not grow with the fleet.
func BenchmarkPeerSampleRotate(b *testing.B) {
	for _, n := range []int{100, 10000, 100000} {
		b.Run(fmt.Sprintf("peers=%d", n), func(b *testing.B) {
			s := NewPeerSample(8, rand.New(rand.NewPCG(1, 2)))
			s.Update(fleet(n))
			for b.Loop() {
				s.Rotate()
			}
		})
	}
}
