package ptp

import (
	"time"

	"github.com/clockwatch/clockwatch/estimator"
	"github.com/facebook/time/ptp/protocol"
)

// grandmaster is what a grandmaster's Announce messages say about it.
type grandmaster struct {
	identity     protocol.ClockIdentity
	quality      protocol.ClockQuality
	stepsRemoved uint16
	// utcOffset is TAI − UTC; ptpTimescale says the grandmaster's
	// timestamps are TAI and must have it subtracted to compare with UTC.
	utcOffset    time.Duration
	ptpTimescale bool
	// leap is the leap second it announces for the end of the UTC day.
	leap estimator.Leap
}

// grandmasterOf reads an Announce.
func grandmasterOf(a *protocol.Announce) grandmaster {
	return grandmaster{
		identity:     a.GrandmasterIdentity,
		quality:      a.GrandmasterClockQuality,
		stepsRemoved: a.StepsRemoved,
		utcOffset:    time.Duration(a.CurrentUTCOffset) * time.Second,
		ptpTimescale: a.FlagField&protocol.FlagPTPTimescale != 0,
		leap:         leapOfFlags(a.FlagField),
	}
}

// toUTC converts a grandmaster timestamp to UTC.
func (g grandmaster) toUTC(t time.Time) time.Time {
	if g.ptpTimescale {
		return t.Add(-g.utcOffset)
	}
	return t
}

// stamps are the four timestamps of one end-to-end exchange: t1 the
// grandmaster sent a Sync that reached us at t2; we sent a Delay_Req at t3
// that reached the grandmaster at t4. t1 and t4 are on the grandmaster's
// clock (already in UTC), t2 and t3 on ours. The corrections are the
// residence times transparent clocks added on the way.
type stamps struct {
	t1, t2, t3, t4  time.Time
	syncCorrection  time.Duration
	delayCorrection time.Duration
	// t2hw and t3hw are our two stamps as the NIC took them, on its PHC;
	// zero when it did not.
	t2hw, t3hw time.Time
	hardware   bool
}

// withHardware returns the stamps with our two taken by the NIC, moved to
// the system clock by sysMinusPHC (system − PHC); ok is false unless the
// NIC stamped both.
func (s stamps) withHardware(sysMinusPHC time.Duration) (stamps, bool) {
	if s.t2hw.IsZero() || s.t3hw.IsZero() {
		return s, false
	}
	s.t2, s.t3, s.hardware = s.t2hw.Add(sysMinusPHC), s.t3hw.Add(sysMinusPHC), true
	return s, true
}

// offset is local − grandmaster, assuming the two directions take equally
// long; delay is the mean one-way path delay. The true offset lies within
// ±delay of offset whatever the asymmetry.
func (s stamps) offset() (offset, delay time.Duration) {
	down := s.t2.Sub(s.t1) - s.syncCorrection
	up := s.t4.Sub(s.t3) - s.delayCorrection
	return (down - up) / 2, (down + up) / 2
}

// gap is how long our clock ran between the two legs; the clocks' frequency
// difference over it adds to the error.
func (s stamps) gap() time.Duration { return s.t3.Sub(s.t2).Abs() }
