// Package agent is clockwatch's agent: one pipeline from the local clock's
// sources to the places its estimate is published.
//
//	clock ─┬─> sources (NTP servers, peers, ptp4l, PHC, PTP grandmasters, chronyd)
//	       │      │ observations
//	       │      v
//	       └─> estimator ──> steering (discipline, or measure only)
//	                             │ the estimate of the clock as it is now
//	                             v
//	                           sinks (history, state file, shared memory)
//	                             + readers: metrics, HTTP API, peer responder, health
//
// New assembles the pipeline from its parts and shows their order in its
// signature: one local Clock that every part reads; the estimator; the
// Sources; the Steering, which sees each estimate before any Sink does (an
// estimate made before the clock was steered no longer describes it); the
// Sinks; the Health policy that /healthz applies. Start builds every part
// from a Config and Options, as `clockwatch run` and `clockwatch demo`
// configure them, and serves the metrics and the API.
//
// Only the agent's own goroutine touches the estimator; sources run in
// goroutines of their own and send observations; readers take the latest
// estimate atomically (Agent.Current).
package agent
