package clockshm

import "testing"

// BenchmarkRegionRead measures a reader's seqlock read of the record, the
// part of logicaltime's BoundedClock.Now that touches the shared memory.
func BenchmarkRegionRead(b *testing.B) {
	region := NewMemoryRegion()
	region.Publish(recordOf(1))
	var r Record
	b.ReportAllocs()
	for b.Loop() {
		if err := region.Read(&r); err != nil {
			b.Fatal(err)
		}
	}
}
