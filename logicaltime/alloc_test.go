package logicaltime

import (
	"testing"
	"time"

	"github.com/clockwatch/clockwatch/logicaltime/clockshm"
)

// TestHotPathsDoNotAllocate checks the calls a service makes per event.
func TestHotPathsDoNotAllocate(t *testing.T) {
	clock := NewHLC()
	remote := NewHLC().Now()
	bounded, _ := testBounded(syncedRecord, WithStaleLimit(time.Hour))
	buf := make([]byte, 0, TextLen)
	region := clockshm.NewMemoryRegion()
	region.Publish(syncedRecord)
	var record clockshm.Record
	paths := []struct {
		name string
		op   func()
	}{
		{"HLC.Now", func() { clock.Now() }},
		{"HLC.Update", func() { clock.Update(remote) }},
		{"BoundedClock.Now", func() { bounded.Now() }},
		{"Region.Read", func() { region.Read(&record) }},
		{"Timestamp.AppendText", func() { buf, _ = remote.AppendText(buf[:0]) }},
		{"Timestamp.AppendBinary", func() { buf, _ = remote.AppendBinary(buf[:0]) }},
	}
	for _, p := range paths {
		if allocs := testing.AllocsPerRun(1000, p.op); allocs != 0 {
			t.Errorf("%s: %v allocations per call, want 0", p.name, allocs)
		}
	}
}
