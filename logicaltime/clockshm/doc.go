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
// The file is Size (256) bytes of 64-bit words in host byte order. Words 0
// to 3 are the header; two copies of the record follow at words 4 and 16:
//
//	header   0  magic        "CLKWATCH" in little-endian bytes; 0 before the first publish
//	         1  version      1; readers refuse other versions
//	         2  sequence     number of publishes; readers read copy sequence mod 2
//	         3  reserved
//	copy +0     monotonic    CLOCK_MONOTONIC ns of the instant the estimate refers to
//	     +1     local        system clock (CLOCK_REALTIME) Unix ns at that instant
//	     +2     offset       local clock − reference, ns (positive: this host is ahead)
//	     +3     error bound  ns bounding |true offset − offset|; MaxInt64 when unknown
//	     +4     drift        float64 bits: rate of change of offset (positive: runs fast)
//	     +5     drift bound  float64 bits: bound of |true drift − drift|
//	     +6     status       1 unsynchronized, 2 holdover, 3 synchronized
//	     +7     published    CLOCK_MONOTONIC ns of the last publish (heartbeat)
//	     +8     uncertainty  ns: how far the writer's monotonic readings may be off
//	     +9     offset min   ns: low end of the interval the sources agree holds the true offset
//	     +10    offset max   ns: its high end; both 0 when the writer publishes no interval
//	     +11    reserved
//	         28-31 reserved
//
// Words +9 and +10 were reserved, hence zero, in the first agents to write
// version 1, so readers treat 0 and 0 as "no interval" and fall back to
// offset ± error bound; version 1 readers that predate them ignore them.
//
// Instants are on CLOCK_MONOTONIC, which every process of the host shares
// and which no clock step moves, so a reader measures the age of an estimate
// correctly even when the system clock was stepped after it was published.
//
// # Seqlock with two copies
//
// The writer fills the copy readers are not reading, then increments the
// sequence so they read it (the Linux kernel's seqcount latch). A reader
// reads the sequence, the copy it selects and the sequence again, and
// retries if the two differ. Every access is a 64-bit atomic, so readers
// never see a torn word, never block the writer, and never wait for it: a
// writer that dies part way through an update leaves the readers on the
// other, complete copy, whose age then tells them the agent is gone.
//
// # A file that shrinks
//
// Any process allowed to write the file can truncate it, and a memory
// access beyond the end of a mapped file raises SIGBUS, as does a store to
// a page that a full filesystem cannot allocate. Region's methods turn that
// fault into ErrFault (with runtime/debug.SetPanicOnFault around each
// access, which costs a few nanoseconds and no system call), so neither
// the writer nor a reader crashes. The writer checks the file's size
// before every publish and re-sizes a file that shrank; a reader's mapping
// shows the file again once it has its size back.
package clockshm
