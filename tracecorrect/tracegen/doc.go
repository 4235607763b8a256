// Package tracegen generates synthetic traces with known true times, to
// test trace timestamp correction against the truth.
//
// A scenario describes a fleet of hosts, each with a clock that is off by
// an offset and drifts, and an agent that measured that offset within an
// error bound. Generate builds call trees of services across those hosts
// (synchronous RPCs, local work and fire-and-forget messages, with network
// and queueing delays), records every span with its host's clock, and
// returns the recorded traces, the true times and the agents' measured
// offsets. The same scenario always generates the same traces.
package tracegen
