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
//  2. Drift: for each source, the slopes of the straight lines that pass
//     through the intervals of its newest samples (convex-hull tangents,
//     O(n log n)); the sources' slope intervals are selected by majority,
//     allowing for one source that is wrong while it overlaps the others
//     (a wrong drift would move every view), and widened by the wander
//     allowance. The drift estimate is a regression weighted like the
//     offsets below. A source whose slope interval misses the majority's
//     is left out of the offset selection (a frequency falseticker).
//  3. Moving an interval to a later instant adds the drift estimate to its
//     centre and the drift interval to its ends. A source's samples are
//     intersected over time, so one low-delay sample keeps the bound tight
//     for a while.
//  4. A source's point estimate weighs its samples by the queueing they
//     suffered (delay beyond the source's minimum) and by their age, so a
//     heavy-tailed burst of delay barely moves it.
//  5. Sources are selected by interval intersection with a majority rule
//     (Marzullo's algorithm as NTP uses it); sources that have not answered
//     yet count against the majority, so a falseticker that answers first
//     cannot win. As in NTP, the agreed region trusts the sources that
//     agree, except while a source is new (fewer than 32 samples since it
//     started or last contradicted itself): then, or always with
//     Config.MaxFalsetickers, it allows for that many sources that are
//     wrong while they overlap the others, so such a source cannot
//     squeeze the region past the truth. The selected sources' points are
//     combined with weights from their bounds and clamped into the region;
//     the error bound is the distance to the region's far end,
//     Estimate.BoundParts says where it comes from, and the region itself
//     is Estimate.OffsetMin and OffsetMax.
//  6. Steps: a sample that contradicts its own source's history ends that
//     history and starts a transition. Until every source has answered
//     since, the bound spans every source's view, so it holds whether the
//     reference (or the local clock) stepped or one server went wrong; then
//     a step is counted if the offset moved beyond its bound. The drift
//     survives the step. A source that moved alone (the others did not
//     follow) is suspect for ten minutes, and while suspect or outvoted
//     its contradictions start no transition, so a server that flaps
//     widens the bound once, not at every flap.
//
// With every source lost the estimate is carried forward (holdover) with a
// bound that grows by the drift's uncertainty plus the wander allowance,
// until it is older than Config.HoldoverMax. Estimates are computed from
// cached per-source views, so one costs microseconds.
package estimator
