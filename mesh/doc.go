// Package mesh finds, from the pairwise offsets that clockwatch agents
// measure of their peers, which hosts of a fleet are off and which network
// paths are asymmetric.
//
// Each agent measures a few peers (ntp.PeerSample), so no agent sees the
// fleet. What it exports is bounded by its sample: per peer, the offset of
// its clock from the peer's and that offset's error, half the round trip
// of the measurement and what carrying it forward may have added
// (clockwatch_peer_offset_seconds, clockwatch_peer_offset_error_seconds).
// Infer runs where those measurements meet, never in the agent:
// QueryPrometheus reads them from the Prometheus that scrapes the agents
// (cmd/clockwatch-mesh), and the fleet simulator (internal/fleetsim)
// hands them over directly. Infer itself is pure: no I/O, no clock.
//
// # How
//
// A measurement of peer j by host i says x_i − x_j, the difference of
// their clocks, to within its error: whatever the asymmetry of the path,
// the truth lies within half the round trip of what an NTP exchange
// computes. Every host's offset x from the fleet's consensus (the median
// host) is solved for by sweeps of weighted medians over the measurements
// of and by the host, each corrected by the other host's own estimate, so
// a host whose peers are off is not mistaken for the one that is.
// Measurements with a small error weigh more, as Huygens (Geng et al.,
// NSDI 2018) prefers its purest probes.
//
// A host is named when most of its measurements, corrected the same way,
// put it beyond Config.Threshold by more than their error and the
// uncertainty of the host at the other end. This is the agent's own
// outlier rule (ntp.PeerView) made two-sided and corrected: it needs no
// assumption about the paths, so an asymmetric route, which moves a
// measurement by at most half its round trip, cannot name a healthy host.
// A host none of whose measurements are its own is never named: its agent
// exports nothing, so all that is said of it was carried by the others
// since it last answered them, possibly across a step of theirs.
//
// A measurement taken before either host's clock stepped no longer
// describes them, and the agent that took it counts it as current until
// its next poll of that peer. So each measurement says when it was taken
// (Edge.Taken: clockwatch_source_last_sample_timestamp_seconds), and
// Infer leaves out those taken before the last step the measured host's
// agent counted (Edge.ToStep: clockwatch_last_step_timestamp_seconds).
// But an agent counts a step only once its servers have all answered
// since and agree that the offset moved; behind a bad upstream server, one
// of them moved with the host, they disagree, and no step is counted. So
// Infer also finds the steps in the measurements: a host whose newest
// measurements, agreeing among themselves, contradict most of its older
// ones moved between them, and every measurement of it older than those
// is left out (Result.Stale) before the solution is found again. Each side
// must come from 3 other hosts, and a measurement is taken to contradict
// only beyond its radius plus how well the other host is known, so one
// measurement wrong at its other end, or the shared detour of a rerouted
// rack, splits no host.
//
// What is left of a measurement after the solution is its residual. Around
// any loop of hosts the true offsets sum to zero, so the residuals are
// what the paths added: the loop sums of Huygens. A residual far beyond
// the noise marks an asymmetric path or a stale measurement (Result.Paths).
// Asymmetry that every path of a host shares (its uplink) cannot be told
// from an offset by any method; it is caught only as far as its round
// trip allows: such a host shows as Host.Suspect, off but not provably.
//
// # Route changes
//
// A rack whose uplink detours moves every path out of it by half the
// detour, which one round of measurements cannot tell from its hosts'
// clocks stepping when both begin at the same moment. A route change also
// moves the paths' round trips, and a step does not: History, fed one
// round after another (clockwatch-mesh infer --every, the fleet
// simulator), remembers each path's round trip and takes a route change's
// share off the path's offsets, so that a host that steps in another
// poll interval than its rack's route change is named. It solves which
// hosts' own routes changed (a rack's uplink) from the paths that did, and
// starts a path first measured after such a change on the changed route,
// since agents rotate their peers and a rack's paths are in time all new.
package mesh
