// Package estimator turns clock measurements into an estimate of this host's
// clock offset, drift and a true error bound.
//
// It is pure code: no I/O, no goroutines and no wall clock. Time comes in with
// the samples and with the instant an estimate is asked for, so the same
// sequence of calls always gives the same result and a simulation can run
// thousands of hours in seconds (internal/sim).
//
// # Sign convention
//
// Offset is local clock minus reference time: positive means this host is
// ahead. Drift is the rate of change of that offset: positive means the local
// clock runs fast.
//
// # How an estimate is made
//
//  1. Every sample is an interval that contains the true offset when the
//     reference was honest: its measured offset ± (delay/2 + 1.5 × timestamp
//     precision + the clocks' frequency error over the exchange + the
//     reference's root distance).
//  2. Drift, proven: for each source, the slopes of the straight lines
//     that pass through the intervals of its newest samples (convex-hull
//     tangents, O(n log n)); the sources' slope intervals are selected by
//     majority, allowing for one source that is wrong while it overlaps
//     the others (a wrong drift would move every view). A source whose
//     slope interval misses the majority's is left out of the offset
//     selection (a frequency falseticker). Sources' runs of samples span
//     different times, so when the frequency wanders honest slope
//     intervals can miss each other by a little; when no majority agrees,
//     they are selected again widened by Config.Wander, before the drift
//     is given up as unknown. This interval narrows only as
//     (interval width)/(time span): for minutes on a path a millisecond
//     wide.
//  3. Drift, from the one-way envelopes (DriftModelEnvelope). The points
//     offset − delay/2 (true offset − outbound delay) and offset + delay/2
//     (true offset + return delay) of a path have envelopes, from above and
//     from below, whose slope is the drift, set by the exchanges that
//     queued least (Moon, Skelly and Towsley, INFOCOM 1999; RADclock's rate
//     estimate). Each direction's envelope is fitted as their linear
//     program has it (the tangent of the points' hull at their mean time,
//     O(n)); its uncertainty is the band of slopes of the lines above every
//     point that pass, in the first and in the last third of the span,
//     within the median residual of that third (the scatter near the
//     envelope), widened to hold the newest half's band (the drift now may
//     differ from the span's average). A run of the newest points above
//     or below where the envelope can be (a level shift: a route change,
//     or the drift changed) restarts that direction's envelope there; if
//     they rose (a delay shrank, or the source's clock moved against ours,
//     which raises one direction whichever way it moves) the bound does
//     not trust the source alone for ten minutes, while a delay that grew
//     leaves its intervals as true as before; an envelope that bends
//     within its span is fitted on its newer part.
//     THIS RELIES ON AN ASSUMPTION, NOT A PROOF: each path's minimum delay
//     is constant between the level shifts detected, and the sources'
//     clocks run at the reference's rate. So it is used only while it
//     passes every cross-check: the two directions of a source agree, the
//     envelopes of a majority of the sources whose drift the intervals
//     measure agree (a source whose envelope disagrees is not trusted alone
//     by the bound), and their drift lies inside the proven interval of 2,
//     which it then narrows. Otherwise the drift is the proven one
//     (DriftModelIntervals); Estimate.DriftModel says which holds.
//     These intervals hold the drift averaged over the samples' span. Where
//     the steadiness test (5) says plainly that the clock's frequency walks,
//     the estimate of the drift (what moves the point, and carries it
//     through a holdover) is the drift of the newest 20 minutes instead: the
//     sources' least-squares slopes over that span, kept within the wander
//     allowance of the interval, so no bound changes.
//  4. Moving a sample's interval to a later instant adds the drift
//     estimate to its centre and the drift's uncertainty to its ends: the
//     measured one plus Config.Wander, times the sample's whole age. The
//     allowance covers a change of the clock's frequency by up to
//     Config.Wander at any instant, one between a source's polls included
//     (a thermal step): no envelope can see such a change until many
//     samples after it, so no span of the past is exempt from it.
//     A source's samples are intersected over time, and the sources'
//     intervals with each other (5), so one fast exchange on any source
//     tightens the bound for every source for a while.
//  5. A source's point estimate weighs its samples by the queueing they
//     suffered (delay beyond the source's minimum) and by their age, so a
//     heavy-tailed burst of delay barely moves it. Age counts only beyond
//     the source's memory: its straight run of samples when the clock is
//     steady, else none. The clock is steady while the residuals of the
//     sources' straight runs (4 samples or more each) around the drift
//     line, pooled in time order, scatter no more as means of blocks of
//     2, 4, 8, … than the noise neighbouring pairs show says they may
//     (an F test; chronyd keeps the longest regression window whose
//     residuals pass a runs test, which needs far more samples to see a
//     slow walk). This weighs the point only: every bound still moves
//     each sample with the whole wander allowance.
//  6. Sources are selected by interval intersection with a majority rule
//     (Marzullo's algorithm as NTP uses it); sources that have not answered
//     yet count against the majority, so a falseticker that answers first
//     cannot win. As in NTP, the agreed region trusts the sources that
//     agree, except while a source is on probation (new: fewer than 32
//     samples since it started or last contradicted itself, unless the
//     majority stepped with it in a counted step; suspect;
//     moved or apart, see 3): then, or always with
//     Config.MaxFalsetickers, it allows for that many sources that are
//     wrong while they overlap the others, so such a source cannot
//     squeeze the region past the truth. When probation alone is what
//     allows for one, every interval shares a point (so that with none on
//     probation every source would be trusted) and the sources not on
//     probation are a majority of the live ones, the region is also held
//     to those sources' common interval: the source on probation costs
//     the bound only its own interval, not the best one on each side.
//     The selected sources' points are
//     combined with weights from their bounds under the proven drift (so
//     the envelopes' assumption does not decide which source the offset
//     follows) and clamped into the region.
//  7. The reported point. Offset is that combination, not the region's
//     centre: the centre would make the symmetric bound the region's half
//     width, but where the best outbound and the best return path belong to
//     different servers it carries their asymmetry (the simulator's
//     asymmetric scenario: 130 µs off the truth where the combination is
//     45 µs off), and an offset that is worse is not worth a narrower
//     radius. The error bound is the distance from Offset to the region's
//     far end, Estimate.BoundParts says where it comes from, and the
//     region itself, whose half width is as near to the physical limit as
//     the samples allow, is Estimate.OffsetMin and OffsetMax.
//  8. Steps: a sample that contradicts its own source's history ends that
//     history and starts a transition. Until every source has answered
//     since, the bound spans every source's view, so it holds whether the
//     reference (or the local clock) stepped or one server went wrong; then
//     a step is counted if the offset moved beyond its bound. The drift
//     survives the step. A source that moved alone (the others did not
//     follow) is suspect for ten minutes, and while suspect or outvoted
//     its contradictions start no transition, so a server that flaps
//     widens the bound once, not at every flap.
//
// With every source lost the estimate is carried forward (holdover) with
// the drift (the envelopes' when they hold) and a bound that grows by the
// drift's uncertainty plus the wander allowance, never by less than the
// allowance, until it is older than Config.HoldoverMax. A warm start
// (WarmStart) only steers the drift estimate; the bound never relies on
// it. Estimates are computed from
// cached per-source views, so one costs microseconds.
package estimator
