package ntp

import (
	"fmt"
	"time"

	"github.com/clockwatch/clockwatch/estimator"
)

// PeerView is the peer mesh's verdict on this host at one instant: what
// the peers of the current sample see, and whether this host is the
// fleet's outlier. A peer sees this host beyond the maximum offset when the
// offset exceeds it by more than the pairwise measurement error (half the
// round trip): a clock-to-clock judgement that does not depend on how well
// either clock knows true time.
type PeerView struct {
	// MaxOffset is the judgement's threshold (--peers.max-offset).
	MaxOffset time.Duration
	// Peers are the peers with an offset, in sample order.
	Peers []PeerOffset
	// Reachable counts the reachable peers with an offset; Beyond those of
	// them that see this host beyond MaxOffset.
	Reachable, Beyond int
	// MaxAbs is the largest |offset| among the reachable peers.
	MaxAbs time.Duration
}

// PeerOffset is one peer as the mesh sees it.
type PeerOffset struct {
	estimator.SourceEstimate
	// Beyond is set when the peer is reachable and its clock is beyond the
	// maximum offset from this host's.
	Beyond bool
}

// ViewPeers sums up the peers of e against maxOffset.
func ViewPeers(e estimator.Estimate, maxOffset time.Duration) PeerView {
	v := PeerView{MaxOffset: maxOffset}
	for _, s := range e.Sources {
		if s.Kind != estimator.KindPeer || s.ErrorBound == estimator.UnknownBound {
			continue
		}
		p := PeerOffset{SourceEstimate: s, Beyond: s.Reachable && s.Offset.Abs()-s.Delay/2 > maxOffset}
		v.Peers = append(v.Peers, p)
		if !s.Reachable {
			continue
		}
		v.Reachable++
		v.MaxAbs = max(v.MaxAbs, s.Offset.Abs())
		if p.Beyond {
			v.Beyond++
		}
	}
	return v
}

// Outlier reports whether more than half of the reachable peers see this
// host beyond the maximum offset.
func (v PeerView) Outlier() bool { return v.Beyond*2 > v.Reachable }

// Err says why this host is the outlier, or is nil when it is not.
func (v PeerView) Err() error {
	if !v.Outlier() {
		return nil
	}
	return fmt.Errorf("this host's clock is beyond --peers.max-offset %v from %d of %d reachable peers (largest |offset| %v): it is the outlier; check its time synchronization",
		v.MaxOffset, v.Beyond, v.Reachable, v.MaxAbs)
}
