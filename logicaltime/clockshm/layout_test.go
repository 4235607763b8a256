package clockshm

import (
	"encoding/binary"
	"errors"
	"math"
	"strings"
	"sync"
	"testing"
	"unsafe"
)

// recordOf returns a valid record whose every field is derived from i, so a
// torn read shows as fields that disagree.
func recordOf(i int64) Record {
	return Record{
		Monotonic: i, Local: 2 * i, Offset: 3 * i, ErrorBound: 4 * i,
		Drift: float64(5 * i), DriftBound: float64(6 * i),
		Status: Status(1 + i%3), Published: 7 * i, Uncertainty: 8 * i,
		OffsetMin: 2 * i, OffsetMax: 5 * i,
	}
}

func TestSeqlockReadsAreConsistent(t *testing.T) {
	region := NewMemoryRegion()
	region.Publish(recordOf(0))
	const writes, readers = 20000, 3
	var wg sync.WaitGroup
	done := make(chan struct{})
	for range readers {
		wg.Go(func() {
			var r Record
			for {
				select {
				case <-done:
					return
				default:
				}
				err := region.Read(&r)
				if errors.Is(err, ErrBusy) {
					continue // a writer that never pauses may starve a reader
				}
				if err != nil {
					t.Errorf("Read: %v", err)
					return
				}
				if want := recordOf(r.Monotonic); r != want {
					t.Errorf("torn read: %+v, want %+v", r, want)
					return
				}
			}
		})
	}
	for i := range int64(writes) {
		region.Publish(recordOf(i))
	}
	close(done)
	wg.Wait()
}

func TestReadFailures(t *testing.T) {
	tests := []struct {
		name    string
		setup   func(*Region)
		wantErr error
		wantMsg string
	}{
		{"nothing published", func(*Region) {}, ErrNotPublished, ""},
		{"foreign magic", func(g *Region) { g.Publish(recordOf(1)); g.words[wordMagic] = 42 }, ErrNotClockFile, "magic"},
		{"newer version", func(g *Region) { g.Publish(recordOf(1)); g.words[wordVersion] = 2 }, nil, "layout version 2"},
		{"unknown status", func(g *Region) { r := recordOf(1); r.Status = 9; g.Publish(r) }, nil, "unknown status 9"},
		{"negative bound", func(g *Region) { r := recordOf(1); r.ErrorBound = -1; g.Publish(r) }, nil, "negative error bound"},
		{"infinite drift", func(g *Region) { r := recordOf(1); r.Drift = math.Inf(1); g.Publish(r) }, nil, "not a finite rate"},
		{"NaN drift bound", func(g *Region) { r := recordOf(1); r.DriftBound = math.NaN(); g.Publish(r) }, nil, "not a finite rate"},
		{"empty interval", func(g *Region) { r := recordOf(1); r.OffsetMin = r.OffsetMax + 1; g.Publish(r) }, nil, "interval [6, 5] ns is empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			region := NewMemoryRegion()
			tt.setup(region)
			err := region.Read(&Record{})
			if err == nil || (tt.wantErr != nil && !errors.Is(err, tt.wantErr)) || !strings.Contains(err.Error(), tt.wantMsg) {
				t.Errorf("Read() = %v, want %v mentioning %q", err, tt.wantErr, tt.wantMsg)
			}
		})
	}
}

func TestRecordInterval(t *testing.T) {
	tests := []struct {
		name   string
		r      Record
		lo, hi int64
	}{
		{"published", Record{Offset: 100, ErrorBound: 50, OffsetMin: 60, OffsetMax: 150}, 60, 150},
		{"one end at zero", Record{Offset: 10, ErrorBound: 50, OffsetMin: 0, OffsetMax: 40}, 0, 40},
		{"none published", Record{Offset: 100, ErrorBound: 50}, 50, 150},
		{"unknown bound saturates above", Record{Offset: 100, ErrorBound: UnknownBound}, 100 - math.MaxInt64, math.MaxInt64},
		{"unknown bound saturates below", Record{Offset: -100, ErrorBound: UnknownBound}, math.MinInt64, math.MaxInt64 - 100},
	}
	for _, tt := range tests {
		if lo, hi := tt.r.Interval(); lo != tt.lo || hi != tt.hi {
			t.Errorf("%s: Interval() = [%d, %d], want [%d, %d]", tt.name, lo, hi, tt.lo, tt.hi)
		}
	}
}

func TestReadersSurviveADeadWriter(t *testing.T) {
	region := NewMemoryRegion()
	region.Publish(recordOf(1))
	// A writer dies half way through filling the other copy.
	half := region.copy(region.words[wordSequence] + 1)
	for i := range half[:copyWords/2] {
		half[i] = math.MaxUint64
	}
	var r Record
	if err := region.Read(&r); err != nil || r != recordOf(1) {
		t.Fatalf("Read() after a writer died = %+v, %v; want the last complete record %+v", r, err, recordOf(1))
	}
	if !region.Claimable() {
		t.Fatal("a region left by a dead writer must stay claimable")
	}
	region.Publish(recordOf(2))
	if err := region.Read(&r); err != nil || r != recordOf(2) {
		t.Errorf("Read() after the next publish = %+v, %v; want %+v", r, err, recordOf(2))
	}
}

func TestNewRegion(t *testing.T) {
	words := make([]uint64, Size/8+1)
	mem := unsafe.Slice((*byte)(unsafe.Pointer(&words[0])), len(words)*8)
	tests := []struct {
		name    string
		b       []byte
		wantMsg string
	}{
		{"aligned", mem[:Size], ""},
		{"too short", mem[:Size-1], "255 bytes, want 256"},
		{"unaligned", mem[1 : Size+1], "not 8-byte aligned"},
	}
	for _, tt := range tests {
		_, err := NewRegion(tt.b)
		if (err == nil) != (tt.wantMsg == "") || err != nil && !strings.Contains(err.Error(), tt.wantMsg) {
			t.Errorf("%s: NewRegion() = %v, want an error mentioning %q", tt.name, err, tt.wantMsg)
		}
	}
}

// FuzzRegionRead reads arbitrary file contents: Read must not panic, and
// whatever it accepts must be a valid record.
func FuzzRegionRead(f *testing.F) {
	valid := NewMemoryRegion()
	valid.Publish(recordOf(5))
	f.Add(valid.bytes())
	f.Add(make([]byte, Size))
	f.Fuzz(func(t *testing.T, data []byte) {
		region := NewMemoryRegion()
		for i := range min(len(data)/8, words) {
			region.words[i] = binary.NativeEndian.Uint64(data[8*i:])
		}
		var r Record
		if err := region.Read(&r); err == nil {
			if err := r.Validate(); err != nil {
				t.Errorf("Read accepted an invalid record %+v: %v", r, err)
			}
		}
	})
}

// bytes returns the region's contents as a file would hold them.
func (g *Region) bytes() []byte {
	var b []byte
	for _, w := range g.words {
		b = binary.NativeEndian.AppendUint64(b, w)
	}
	return b
}
