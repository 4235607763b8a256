// Package netem emulates network paths in user space, for labs on a kernel
// without netem: a UDP relay that delays each datagram by a fixed delay
// plus random jitter (exponential or heavy-tailed Pareto), drops some, and
// can treat the two directions differently (asymmetry). The jitter models
// are the simulator's (internal/sim), and SplitPath turns a simulated path
// into the relay's two directions, so a simulated scenario and a real one
// mean the same thing.
//
// An on-path attacker sits in the same place: a Path's Rewrite changes the
// datagrams (NTPTamper shifts an NTP server's timestamps), and the relay
// can live in a network namespace of a lab (Linux).
//
// On Linux the relay works outside the Go scheduler, on two real-time
// threads (when the process may raise them: root): one receives with
// kernel timestamps, one sleeps until shortly before each datagram is due
// and spins the rest, so the delay it adds is accurate to microseconds and
// the same both ways even on a busy machine. Elsewhere it falls back to
// goroutines and the Go timer.
//
// The shim directory holds two LD_PRELOAD shims for reference servers whose
// clock libfaketime shifts, so that they stamp packets on the shifted clock
// too: shifted_kernel_timestamps.c moves the kernel's timestamps onto it
// (the server keeps kernel accuracy), no_kernel_timestamps.c makes
// setsockopt refuse them (the server stamps in user space, some tens of
// microseconds late). They are C, compiled by the lab at run time.
package netem
