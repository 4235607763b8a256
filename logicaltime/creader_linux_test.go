package logicaltime

import (
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/clockwatch/clockwatch/logicaltime/clockshm"
	"github.com/clockwatch/clockwatch/logicaltime/internal/ctest"
)

// TestCReaderAgreesWithGo runs logicaltime/c's reader on a file the Go
// writer published: it reads every field, carries the estimate as the
// agent's API does, and computes the interval this package's reader
// computes for the same instant.
func TestCReaderAgreesWithGo(t *testing.T) {
	bin := ctest.Build(t, filepath.Join("c", "clockwatch_read.c"))
	path := filepath.Join(t.TempDir(), "clock")
	mono, err := clockshm.NewMonotonicClock()
	if err != nil {
		t.Fatal(err)
	}
	now, wall := mono.NowAndWall()
	r := clockshm.Record{
		Monotonic: now, Local: wall, Offset: 3_200_123, ErrorBound: 456_789, Drift: 15e-6, DriftBound: 2e-6,
		Status: clockshm.StatusSynchronized, Published: now, Uncertainty: 40, OffsetMin: 2_900_000, OffsetMax: 3_500_000,
	}
	publishToFile(t, path, r)

	// Two seconds after the estimate: the offset moves by 15 ppm × 2 s =
	// 30 µs, the bound grows by 2 ppm × 2 s = 4 µs.
	const later = 2 * time.Second
	got := ctest.Run(t, 0, bin, path, "--at", strconv.FormatInt(wall+int64(later), 10))
	want := map[string]int64{
		"estimate_local_ns": wall, "offset_ns": r.Offset, "error_bound_ns": r.ErrorBound,
		"offset_min_ns": r.OffsetMin, "offset_max_ns": r.OffsetMax,
		"offset_at_ns": r.Offset + 30_000, "error_bound_at_ns": r.ErrorBound + 4_000,
	}
	for key, value := range want {
		if got[key] != strconv.FormatInt(value, 10) {
			t.Errorf("%s = %q, want %d", key, got[key], value)
		}
	}
	if got["status"] != "synchronized" || got["drift_ppm"] != "15.000000" || got["drift_bound_ppm"] != "2.000000" {
		t.Errorf("status %q, drift %q ppm ± %q ppm; want synchronized, 15 ± 2", got["status"], got["drift_ppm"], got["drift_bound_ppm"])
	}

	b, err := OpenBounded(path)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	goTime, err := b.estimate(now + int64(later))
	if err != nil {
		t.Fatal(err)
	}
	// Both see the agent silent for 2 s, so both add a second of stale
	// growth (500 µs). They place the instant on the monotonic clock each
	// from its own readings of the two clocks, which a loaded machine may
	// take microseconds apart.
	const tolerance = 20 * time.Microsecond
	for _, end := range []struct {
		key  string
		want int64
	}{{"earliest_ns", goTime.earliest}, {"latest_ns", goTime.latest}} {
		c, err := strconv.ParseInt(got[end.key], 10, 64)
		if err != nil || time.Duration(c-end.want).Abs() > tolerance {
			t.Errorf("C %s = %q, Go %d: more than %v apart", end.key, got[end.key], end.want, tolerance)
		}
	}
}
