package ntp

import (
	"fmt"
	"math"
	"time"

	"github.com/clockwatch/clockwatch/estimator"
)

// PeerView is the peer mesh's verdict on this host at one instant: what
// the peers of the current sample see, and whether this host is the
// fleet's outlier. A peer sees this host beyond the maximum offset when the
// newest measurement of the two clocks (PeerOffset.Pairwise) exceeds it by
// more than that measurement's error: a clock-to-clock judgement that does
// not depend on how well either clock knows true time. Only current
// measurements (PeerOffset.Current) vote.
type PeerView struct {
	// MaxOffset is the judgement's threshold (--peers.max-offset).
	MaxOffset time.Duration
	// Peers are the peers with an offset, in sample order.
	Peers []PeerOffset
	// Reachable counts the reachable peers with an offset (answered at
	// least one of their last 8 polls); Current those of them whose
	// newest measurement is current, and Beyond those of these that see
	// this host beyond MaxOffset.
	Reachable, Current, Beyond int
	// MaxAbs is the largest |Pairwise| among the current measurements;
	// MaxProvable the largest |Pairwise| − Error, or zero: the least skew
	// the mesh proves between this host and one of those peers.
	MaxAbs, MaxProvable time.Duration
}

// peerWander is the allowance for a peer's clock moving, against true
// time, since its newest measurement: chrony's maxclockerror, 1 ppm.
const peerWander = 1e-6

// peerCurrentPolls is how many of a peer's poll intervals its newest
// measurement may be carried forward. Carrying a measurement assumes that
// neither clock stepped since, which nothing bounds: a step shows only at
// the next poll. So a measurement is current only while it is the answer
// to the peer's last poll (a peer that stops answering leaves the vote at
// its first missed poll, not after the 8 that make it unreachable) and
// that poll is recent: an answered poll is at most 1.1 intervals old (the
// ±10% spread), and 2 leave room for a slow reply, not for a stalled
// source.
const peerCurrentPolls = 2

// PeerOffset is one peer as the mesh sees it.
type PeerOffset struct {
	estimator.SourceEstimate
	// Pairwise is this host's clock minus the peer's at the estimate's
	// time, from the newest measurement carried forward on this host's
	// drift. The filtered SourceEstimate.Offset is not used: it blends
	// the measurements before and after a step of either clock while the
	// peer advertises a wide root distance, as a peer that just stepped
	// does.
	Pairwise time.Duration
	// Error bounds how far Pairwise may be from the truth: half the
	// measurement's round trip, whatever the path's asymmetry, plus how
	// far the two clocks may have moved apart since (this host's drift
	// uncertainty, large just after a start, and peerWander). It is
	// estimator.UnknownBound when the measurement is not Current: a step
	// of either clock since may have moved it by any amount.
	Error time.Duration
	// Current is set when the newest measurement may be carried to the
	// estimate's time: it answered the peer's last poll (Reach), at most
	// peerCurrentPolls of the peer's poll intervals ago (Poll, or
	// DefaultPollInterval when unknown), and no earlier than this host's
	// last step (Estimate.LastStep), which it would not include. Only
	// current measurements vote, and only they are edges for mesh
	// inference.
	Current bool
	// Beyond is set when the measurement is current and the peer's clock
	// is beyond the maximum offset from this host's by more than Error.
	Beyond bool
}

// ViewPeers sums up the peers of e against maxOffset.
func ViewPeers(e estimator.Estimate, maxOffset time.Duration) PeerView {
	v := PeerView{MaxOffset: maxOffset}
	for _, s := range e.Sources {
		if s.Kind != estimator.KindPeer || s.ErrorBound == estimator.UnknownBound {
			continue
		}
		p := pairwise(s, e, maxOffset)
		v.Peers = append(v.Peers, p)
		if s.Reachable {
			v.Reachable++
		}
		if !p.Current {
			continue
		}
		v.Current++
		v.MaxAbs = max(v.MaxAbs, p.Pairwise.Abs())
		v.MaxProvable = max(v.MaxProvable, p.Pairwise.Abs()-p.Error)
		if p.Beyond {
			v.Beyond++
		}
	}
	return v
}

// pairwise carries the newest measurement of peer s to the time of e and
// judges it against e's maximum offset.
func pairwise(s estimator.SourceEstimate, e estimator.Estimate, maxOffset time.Duration) PeerOffset {
	age := max(e.Time.Sub(s.LastSample), 0)
	if e.Time.IsZero() {
		age = 0
	}
	p := PeerOffset{
		SourceEstimate: s,
		Pairwise:       s.LastOffset + saturated(math.Round(e.Drift*age.Seconds()*1e9)),
		Error:          estimator.UnknownBound,
		Current:        s.Reachable && s.Reach&1 != 0 && age <= peerCurrentPolls*orDefault(s.Poll, DefaultPollInterval) && !s.LastSample.Before(e.LastStep.At),
	}
	if p.Current {
		p.Error = s.Delay/2 + saturated(math.Ceil((e.DriftBound+peerWander)*age.Seconds()*1e9))
		p.Beyond = p.Pairwise.Abs()-p.Error > maxOffset
	}
	return p
}

// saturated converts nanoseconds to a Duration, a day at most either way
// (and for NaN): a carry that large already makes a peer's offset
// meaningless.
func saturated(ns float64) time.Duration {
	const most = float64(24 * time.Hour)
	if !(ns > -most) || !(ns < most) {
		if ns < 0 {
			return -24 * time.Hour
		}
		return 24 * time.Hour
	}
	return time.Duration(ns)
}

// Outlier reports whether more than half of the peers with a current
// measurement see this host beyond the maximum offset.
func (v PeerView) Outlier() bool { return v.Beyond*2 > v.Current }

// Err says why this host is the outlier, or is nil when it is not.
func (v PeerView) Err() error {
	if !v.Outlier() {
		return nil
	}
	return fmt.Errorf("this host's clock is beyond --peers.max-offset %v from %d of %d peers with a current measurement (largest |offset| %v): it is the outlier; check its time synchronization",
		v.MaxOffset, v.Beyond, v.Current, v.MaxAbs)
}
