// Package netem emulates network paths in user space, for labs on a kernel
// without netem: a UDP relay that delays each datagram by a fixed delay
// plus random jitter (exponential or heavy-tailed Pareto), drops some, and
// can treat the two directions differently (asymmetry). The jitter models
// are shared with the simulator in hack/sim, so a simulated scenario and a
// real one mean the same thing.
//
// On Linux the relay works outside the Go scheduler, on two real-time
// threads (when the process may raise them: root): one receives with
// kernel timestamps, one sleeps until shortly before each datagram is due
// and spins the rest, so the delay it adds is accurate to microseconds and
// the same both ways even on a busy machine. Elsewhere it falls back to
// goroutines and the Go timer.
//
// shim/no_kernel_timestamps.c is an LD_PRELOAD shim for the reference
// servers of such labs: it makes setsockopt refuse kernel timestamps, so a
// server whose clock libfaketime shifts stamps packets from the shifted
// clock too.
package netem
