// Package sim is clockwatch's simulated world: a deterministic, seeded
// simulator for judging the estimator and the discipline against known
// truth. Its tests are the regression gates of both.
//
// It models true time; a local clock with an offset, a drift, a random walk
// of its frequency (wander) and optional steps; network paths with a base
// delay, exponential or Pareto jitter (the models hack/netem's relay uses
// too), asymmetry and loss; and NTP servers with their own errors
// (falseticker), steps and outages. Every poll is a full NTP exchange: the
// four timestamps t1..t4 are taken from the clocks involved, rounded to
// their precision, and turned into an estimator.Sample exactly as an NTP
// client computes it, on the agent's poll schedule (package ntp's
// defaults). Events run from one Queue in true-time order.
//
// Run scores the estimate against the truth every second: median, p95 and
// maximum absolute error, mean bound and coverage (the share of estimates
// whose bound holds). RunDisciplined closes the loop: the discipline steers
// the local clock through a simulated kernel from the estimates, as
// `clockwatch run --discipline` does, and SummarizeDisciplined reports the
// steps, convergence, steady residual and how disturbances were held.
//
// The same seed always gives the same run; 24 simulated hours of 1 s polling
// against four servers take two to three seconds (BenchmarkScenarios).
package sim
