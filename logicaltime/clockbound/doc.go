// Package clockbound is the shared-memory segment of AWS ClockBound's
// protocol version 2, so that programs written against ClockBound's client
// libraries (C, Rust) read the clockwatch agent's bound unchanged: its
// layout, a writer and a reader that follow the protocol's rules, and the
// interval a ClockBound client computes from it.
//
// It is written from the protocol's published description ("ClockBound
// Shared Memory Protocol Version 2", docs/PROTOCOL.md of aws/clock-bound).
// The agent (exporters.ClockBoundWriter) is the writer; logicaltime/c has
// a C reader of the same layout.
//
// # Layout, version 2
//
// Size (80) bytes in host byte order, viewed here as ten 64-bit words:
//
//	word 0  bytes  0-7   magic: the 32-bit words 0x414D5A4E, 0x43420200
//	word 1  bytes  8-11  segment size (u32): 80
//	        bytes 12-13  version (u16): 2
//	        bytes 14-15  generation (u16): odd while the writer updates, even
//	                     after; 0 before the first update, 2 after 65535
//	word 2-3     16-31   as-of: CLOCK_MONOTONIC_COARSE (tv_sec, tv_nsec as
//	                     i64) of the instant the bound refers to
//	word 4-5     32-47   void-after: CLOCK_MONOTONIC_COARSE beyond which the
//	                     bound must not be trusted
//	word 6       48-55   bound (i64 ns): |CLOCK_REALTIME − true time| at as-of
//	word 7       56-63   disruption marker (u64), from the VMClock
//	word 8       64-67   max drift (u32, parts per billion): how fast the
//	                     bound grows after as-of
//	             68-71   clock status (i32): 0 unknown, 1 synchronized,
//	                     2 free running, 3 disrupted
//	word 9       72      clock disruption support (u8): 0 or 1
//	             73-79   padding
//
// The protocol's page lists the magic as the bytes 41 4D 5A 4E 43 42 02 00;
// ClockBound's own reader and writer compare it as the two native-endian
// 32-bit words above, which is what this package writes and accepts.
//
// # What a client computes
//
// A ClockBound client reads CLOCK_REALTIME and then CLOCK_MONOTONIC_COARSE,
// grows the bound by max drift × (monotonic − as-of), and returns
// [realtime − bound, realtime + bound]. Within GracePeriod of as-of it
// reports the published status; after that, free running until void-after
// and unknown beyond it (a synchronized or free-running status is to be
// trusted, the others not). A monotonic reading more than a microsecond
// before as-of is a causality breach, an error. Reading.At does the same.
//
// The writer must therefore publish a bound on the system clock itself —
// the clockwatch agent, which measures the clock without steering it,
// publishes |offset| + error bound — and an as-of ahead of the bound's
// instant by a margin of ticks of the coarse clock (CoarseResolution): a
// client's coarse reading lags the fine clock by up to a tick, more when
// the kernel runs its tick late, so it measures the age that much short,
// and it must never find as-of in its future.
//
// # Sharing the words
//
// Every access is a 64-bit atomic load or store, so no reader sees a torn
// word; the generation's 16 bits share word 1 with the size and the
// version, which the writer stores together. A truncated file makes the
// writer's and the reader's accesses fail with ErrFault instead of raising
// SIGBUS, as in package clockshm.
package clockbound
