// Package clockshm is the shared-memory file through which the clockwatch
// agent publishes its clock estimate to programs on the same host: its
// layout, a seqlock to write and read it without locks, and the monotonic
// clock its instants are measured on.
//
// The agent (exporters.ShmWriter) is the only writer; readers
// (logicaltime.OpenBounded) map the file read-only.
//
// # Layout, version 1
//
// The file is Size bytes of 64-bit words in host byte order, at these word
// indices:
//
//	0  magic       "CLKWATCH" in little-endian bytes; 0 before the first publish
//	1  version     1; readers refuse other versions
//	2  sequence    seqlock counter: odd while the writer is updating
//	3  monotonic   CLOCK_MONOTONIC ns of the instant the estimate refers to
//	4  local       system clock (CLOCK_REALTIME) Unix ns at that instant
//	5  offset      local clock − reference, ns (positive: this host is ahead)
//	6  error bound ns bounding |true offset − offset|; MaxInt64 when unknown
//	7  drift       float64 bits: rate of change of offset (positive: runs fast)
//	8  drift bound float64 bits: bound of |true drift − drift|
//	9  status      1 unsynchronized, 2 holdover, 3 synchronized
//	10 published   CLOCK_MONOTONIC ns of the last publish (heartbeat)
//	11 uncertainty ns: how far the writer's monotonic readings may be off
//	12-15          reserved, zero
//
// Instants are on CLOCK_MONOTONIC, which every process of the host shares
// and which no clock step moves, so a reader measures the age of an estimate
// correctly even when the system clock was stepped after it was published.
//
// # Seqlock
//
// The writer makes the sequence odd, stores the fields and makes it even
// again; a reader reads the sequence, the fields and the sequence again,
// and retries when the two differ or are odd. Every access is a 64-bit
// atomic, so readers never see a torn word and never block the writer.
package clockshm
