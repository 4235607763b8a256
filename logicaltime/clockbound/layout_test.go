package clockbound

import (
	"encoding/binary"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"
	"unsafe"
)

// boundOf returns a valid record whose every field is derived from i, so a
// torn read shows as fields that disagree.
func boundOf(i int64) Bound {
	return Bound{
		AsOf: i * int64(time.Millisecond), VoidAfter: 2 * i * int64(time.Millisecond), Bound: 3 * i,
		DisruptionMarker: uint64(4 * i), MaxDriftPPB: uint32(5 * i % maxDriftPPB), Status: Status(i % 4),
		DisruptionSupport: i%2 == 1,
	}
}

// bytes returns the segment as a file holds it.
func (s *Segment) bytes() []byte {
	var b []byte
	for _, w := range s.words {
		b = binary.NativeEndian.AppendUint64(b, w)
	}
	return b
}

// TestLayoutBytes checks every field at the byte offset and width the
// protocol gives it, in host byte order.
func TestLayoutBytes(t *testing.T) {
	s := NewMemorySegment()
	s.Publish(Bound{
		AsOf: 12*int64(time.Second) + 345, VoidAfter: 17*int64(time.Second) + 345, Bound: 6789,
		DisruptionMarker: 42, MaxDriftPPB: 15000, Status: StatusFreeRunning, DisruptionSupport: true,
	})
	b := s.bytes()
	ne := binary.NativeEndian
	fields := []struct {
		name   string
		offset int
		got    uint64
		want   uint64
	}{
		{"magic, first word", 0, uint64(ne.Uint32(b[0:])), 0x414D5A4E},
		{"magic, second word", 4, uint64(ne.Uint32(b[4:])), 0x43420200},
		{"segment size", 8, uint64(ne.Uint32(b[8:])), 80},
		{"version", 12, uint64(ne.Uint16(b[12:])), 2},
		{"generation", 14, uint64(ne.Uint16(b[14:])), 2},
		{"as-of seconds", 16, ne.Uint64(b[16:]), 12},
		{"as-of nanoseconds", 24, ne.Uint64(b[24:]), 345},
		{"void-after seconds", 32, ne.Uint64(b[32:]), 17},
		{"void-after nanoseconds", 40, ne.Uint64(b[40:]), 345},
		{"bound", 48, ne.Uint64(b[48:]), 6789},
		{"disruption marker", 56, ne.Uint64(b[56:]), 42},
		{"max drift", 64, uint64(ne.Uint32(b[64:])), 15000},
		{"clock status", 68, uint64(ne.Uint32(b[68:])), 2},
		{"disruption support", 72, uint64(b[72]), 1},
		{"padding", 73, uint64(b[73]) | uint64(ne.Uint32(b[76:])), 0},
	}
	for _, f := range fields {
		if f.got != f.want {
			t.Errorf("%s at byte %d = %d, want %d", f.name, f.offset, f.got, f.want)
		}
	}
	if len(b) != Size || Size != 80 {
		t.Errorf("segment is %d bytes (Size %d), want 80", len(b), Size)
	}
}

func TestPublishRead(t *testing.T) {
	s := NewMemorySegment()
	if !s.Claimable() {
		t.Fatal("a zero segment must be claimable")
	}
	for i := range int64(3) {
		want := boundOf(i + 1)
		if err := s.Publish(want); err != nil {
			t.Fatal(err)
		}
		var got Bound
		if err := s.Read(&got); err != nil || got != want {
			t.Errorf("Read() after publish %d = %+v, %v; want %+v", i, got, err, want)
		}
	}
	if !s.Claimable() {
		t.Error("a published segment must stay claimable by the next writer")
	}
}

func TestGenerationSkipsZeroAndMendsAnOddOne(t *testing.T) {
	tests := []struct {
		name     string
		from     uint16
		wantNext uint16
	}{
		{"first publish", 0, 2},
		{"ordinary", 10, 12},
		{"wraps past zero to 2", 65534, 2},
		{"a dead writer left it odd", 11, 12},
	}
	for _, tt := range tests {
		s := NewMemorySegment()
		s.words[wordHeader] = packHeader(Size, Version, tt.from)
		s.Publish(boundOf(1))
		if _, _, gen := unpackHeader(s.words[wordHeader]); gen != tt.wantNext {
			t.Errorf("%s: generation %d → %d, want %d", tt.name, tt.from, gen, tt.wantNext)
		}
	}
}

func TestReadFailures(t *testing.T) {
	published := func(g *Segment) { g.Publish(boundOf(1)) }
	header := func(size uint32, version, gen uint16) func(*Segment) {
		return func(g *Segment) { published(g); g.words[wordHeader] = packHeader(size, version, gen) }
	}
	tests := []struct {
		name    string
		setup   func(*Segment)
		wantErr error
		wantMsg string
	}{
		{"nothing published", func(*Segment) {}, ErrNotPublished, ""},
		{"foreign magic", func(g *Segment) { published(g); g.words[wordMagic] = 42 }, ErrNotSegment, "magic"},
		{"wiped by a restarting writer", header(Size, 0, 0), ErrNotPublished, ""},
		{"version 3", header(Size, 3, 4), nil, "layout version 3"},
		{"short segment", header(16, Version, 4), ErrNotSegment, "segment size 16 bytes"},
		{"stuck mid-update", header(Size, Version, 5), ErrBusy, ""},
		{"unknown status", func(g *Segment) { b := boundOf(1); b.Status = 7; g.Publish(b) }, nil, "unknown clock status 7"},
		{"drift a second a second", func(g *Segment) { b := boundOf(1); b.MaxDriftPPB = maxDriftPPB; g.Publish(b) }, nil, "max drift"},
		{"negative bound", func(g *Segment) { b := boundOf(1); b.Bound = -1; g.Publish(b) }, nil, "negative bound"},
		{"nanoseconds out of range", func(g *Segment) { published(g); g.words[wordAsOf+1] = uint64(time.Second) }, nil, "negative instant"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := NewMemorySegment()
			tt.setup(s)
			err := s.Read(&Bound{})
			if err == nil || (tt.wantErr != nil && !errors.Is(err, tt.wantErr)) || !strings.Contains(err.Error(), tt.wantMsg) {
				t.Errorf("Read() = %v, want %v mentioning %q", err, tt.wantErr, tt.wantMsg)
			}
		})
	}
}

func TestReadsAreConsistent(t *testing.T) {
	s := NewMemorySegment()
	s.Publish(boundOf(1))
	const writes, readers = 20000, 3
	var wg sync.WaitGroup
	done := make(chan struct{})
	for range readers {
		wg.Go(func() {
			var b Bound
			for {
				select {
				case <-done:
					return
				default:
				}
				err := s.Read(&b)
				if errors.Is(err, ErrBusy) {
					continue
				}
				if err != nil {
					t.Errorf("Read: %v", err)
					return
				}
				if want := boundOf(b.AsOf / int64(time.Millisecond)); b != want {
					t.Errorf("torn read: %+v, want %+v", b, want)
					return
				}
			}
		})
	}
	for i := range int64(writes) {
		s.Publish(boundOf(i + 1))
	}
	close(done)
	wg.Wait()
}

func TestNewSegment(t *testing.T) {
	words := make([]uint64, Size/8+1)
	mem := unsafe.Slice((*byte)(unsafe.Pointer(&words[0])), len(words)*8)
	tests := []struct {
		name    string
		b       []byte
		wantMsg string
	}{
		{"aligned", mem[:Size], ""},
		{"too short", mem[:Size-1], "79 bytes, want 80"},
		{"unaligned", mem[1 : Size+1], "not 8-byte aligned"},
	}
	for _, tt := range tests {
		_, err := NewSegment(tt.b)
		if (err == nil) != (tt.wantMsg == "") || err != nil && !strings.Contains(err.Error(), tt.wantMsg) {
			t.Errorf("%s: NewSegment() = %v, want an error mentioning %q", tt.name, err, tt.wantMsg)
		}
	}
}

// FuzzSegmentRead reads arbitrary segment contents: Read must not panic,
// and whatever it accepts must be a valid record.
func FuzzSegmentRead(f *testing.F) {
	valid := NewMemorySegment()
	valid.Publish(boundOf(5))
	f.Add(valid.bytes())
	f.Add(make([]byte, Size))
	f.Fuzz(func(t *testing.T, data []byte) {
		s := NewMemorySegment()
		for i := range min(len(data)/8, words) {
			s.words[i] = binary.NativeEndian.Uint64(data[8*i:])
		}
		var b Bound
		if err := s.Read(&b); err == nil {
			if err := b.Validate(); err != nil {
				t.Errorf("Read accepted an invalid record %+v: %v", b, err)
			}
		}
	})
}
