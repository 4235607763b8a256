// Package sim is a deterministic, seeded simulator for judging the
// estimator against known truth.
//
// It models true time; a local clock with an offset, a drift, a random walk
// of its frequency (wander) and optional steps; network paths with a base
// delay, exponential or Pareto jitter, asymmetry and loss; and NTP servers
// with their own errors (falsetickers), steps and outages. Every poll is a
// full NTP exchange: the four timestamps t1..t4 are taken from the clocks
// involved, rounded to their precision, and turned into an estimator.Sample
// exactly as an NTP client computes it. The estimate is scored against the
// truth every second: median, p95 and maximum absolute error, mean bound and
// coverage (the share of estimates whose bound holds).
//
// The same seed always gives the same run; 24 simulated hours of 1 s polling
// against four servers take two to three seconds (BenchmarkScenarios).
package sim
