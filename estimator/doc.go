// Package estimator turns clock measurements into an estimate of this host's
// clock offset, drift and a true error bound.
//
// It is pure code: no I/O, no goroutines and no wall clock. Time comes in with
// the samples and with the instant an estimate is asked for, so the same
// sequence of calls always gives the same result and a simulation can run
// thousands of hours in seconds.
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
//     reference was honest: its measured offset ± (delay/2 + the reference's
//     root distance + timestamp precision).
//  2. Moving an interval to a later instant adds the estimated drift to its
//     centre and the drift's uncertainty plus a wander allowance to its width.
//  3. A source's samples are intersected over time, so one low-delay sample
//     keeps the bound tight for a while; its point estimate prefers the
//     lowest-delay samples.
//  4. Sources are selected by interval intersection with a majority rule
//     (Marzullo's algorithm as used by NTP); sources outside the agreeing
//     region are falsetickers.
//  5. The selected sources are combined with weights from their bounds; the
//     result is clamped into the agreed interval, and the error bound is the
//     distance from the estimate to the far end of that interval.
//  6. Drift is a weighted regression of each selected source's offsets over
//     time; its standard error feeds the bound.
//
// With every source lost the estimate is carried forward (holdover) with a
// bound that keeps growing, until it is older than Config.HoldoverMax.
package estimator
