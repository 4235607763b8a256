// Package fdtimer is a timer whose expiry the Go runtime's poller reports
// as an I/O event: a timerfd on Linux, a runtime timer elsewhere.
//
// The runtime's monitor thread (sysmon) sleeps, while the program is idle,
// until the next runtime timer is due, even a timer stopped or moved later
// since: a runtime timer reset at every poll of an agent that polls every
// second wakes it for nothing about as often as the agent polls, and those
// wake-ups were a tenth of the agent's CPU time (docs/footprint.md). A
// timerfd's expiry does not concern it.
package fdtimer
