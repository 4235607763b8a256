package main

import (
	"fmt"
	"math"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/clockwatch/clockwatch/logicaltime/clockbound"
)

// readClockBound reads the segment as a ClockBound client does, with the
// system clock just before and just after, in the reader process's terms.
func readClockBound(t *testing.T, s *clockbound.Segment) (clockbound.Reading, boundedRead) {
	t.Helper()
	var b clockbound.Bound
	if err := s.Read(&b); err != nil {
		return clockbound.Reading{}, boundedRead{Error: err.Error()}
	}
	before := time.Now().UnixNano()
	realtime, monotonic, err := clockbound.Clocks()
	after := time.Now().UnixNano()
	if err != nil {
		t.Fatal(err)
	}
	r, err := b.At(realtime, monotonic)
	if err != nil {
		return r, boundedRead{Error: err.Error()}
	}
	return r, boundedRead{Before: before, After: after, Earliest: r.Earliest, Latest: r.Latest}
}

// clockBoundScore is the demo's summary of the ClockBound check.
var clockBoundScore = regexp.MustCompile(`ClockBound clients' interval held true time in (\d+) of (\d+) seconds`)

// TestClockBoundFromDemo runs `clockwatch demo --clockbound.shm-path` and
// reads the segment as a ClockBound client: its interval, the system clock
// ± the bound, holds the demo's true time although the system clock is
// 3.2 ms off it, and the demo's own check says the same when it ends.
func TestClockBoundFromDemo(t *testing.T) {
	path := filepath.Join(t.TempDir(), "var", "run", "clockbound", "shm0")
	launched := time.Now()
	agent := startAgent(t, "demo", "--clockbound.shm-path", path, "--poll.interval=500ms", "--duration=12s")
	truth := parseDemoTruthWhenPrinted(t, agent, launched, time.Now())

	var segment *clockbound.Segment
	waitFor(t, 10*time.Second, "the ClockBound segment", func() bool {
		s, err := clockbound.Open(path)
		segment = s
		return err == nil
	})
	defer segment.Close()
	var r clockbound.Reading
	var read boundedRead
	waitFor(t, 30*time.Second, "a trusted interval from the segment", func() bool {
		r, read = readClockBound(t, segment)
		return read.Error == "" && r.Trusted()
	})
	for i := range 5 {
		r, read = readClockBound(t, segment)
		if read.Error != "" || r.Status != clockbound.StatusSynchronized {
			t.Fatalf("read %d: %s, status %v; want a synchronized interval", i, read.Error, r.Status)
		}
		truth.checkContainsTruth(t, fmt.Sprintf("ClockBound read %d", i), read)
		time.Sleep(200 * time.Millisecond)
	}
	if halfWidth := read.width() / 2; halfWidth < truth.offset {
		t.Errorf("ClockBound bound %v is smaller than the clock's offset %v: it cannot hold true time", halfWidth, truth.offset)
	}
	t.Logf("ClockBound interval while the demo runs: system clock ± %v", read.width()/2)

	if err := <-agent.done; err != nil {
		t.Fatalf("demo: %v\n%s", err, agent.stdout.String())
	}
	agent.done <- nil // for the cleanup of startAgent
	m := clockBoundScore.FindStringSubmatch(agent.stdout.String())
	if m == nil || m[1] != m[2] || m[2] == "0" {
		t.Errorf("demo's ClockBound summary %q, want the interval holding true time every second\n%s", m, agent.stdout.String())
	}
	t.Log(m[0])
}

// cReaders are the C readers of logicaltime/c, by name.
var cReaders = map[string]string{
	"clockwatch": filepath.Join("..", "..", "logicaltime", "c", "clockwatch_read.c"),
	"clockbound": filepath.Join("..", "..", "logicaltime", "c", "clockbound_read.c"),
}

// TestCReadersMatchStatus builds the C readers with cc and runs them
// against a running demo's two files, beside /api/v1/status at the same
// instant: the clock file's reader carries the estimate to the status's
// instant and finds the same offset and error bound to the nanosecond, and
// the ClockBound reader finds |offset| + error bound, its interval holding
// the demo's true time.
func TestCReadersMatchStatus(t *testing.T) {
	bins := map[string]string{}
	for name, source := range cReaders {
		bins[name] = buildC(t, source)
	}
	dir := t.TempDir()
	shmPath, cbPath := filepath.Join(dir, "clock"), filepath.Join(dir, "shm0")
	launched := time.Now()
	agent := startAgent(t, "demo", "--shm.path", shmPath, "--clockbound.shm-path", cbPath, "--poll.interval=500ms")
	truth := parseDemoTruthWhenPrinted(t, agent, launched, time.Now())
	waitFor(t, 30*time.Second, "a synchronized estimate", func() bool { return agent.status(t).Synchronized })

	for try := 0; ; try++ {
		if try == 20 {
			t.Fatal("the estimate changed during every comparison")
		}
		// Reads of both files before and after the status that find the
		// same estimate show that the status was carried from it too; the
		// agent publishes every 100 ms, so most tries do.
		first := runC(t, 0, bins["clockwatch"], shmPath)
		before := time.Now().UnixNano()
		cb := runC(t, 0, bins["clockbound"], cbPath)
		after := time.Now().UnixNano()
		s := agent.status(t)
		at := strconv.FormatInt(s.Time.UnixNano(), 10)
		own := runC(t, 0, bins["clockwatch"], shmPath, "--at", at)
		cbAt, exit, _ := tryC(t, bins["clockbound"], cbPath, "--at", at)
		if own["estimate_local_ns"] != first["estimate_local_ns"] || exit != 0 || cbAt["as_of_ns"] != cb["as_of_ns"] {
			continue
		}
		statusOffset, statusBound := int64(math.Round(s.OffsetSeconds*1e9)), int64(math.Round(s.ErrorBoundSeconds*1e9))
		trueLo, trueHi := truth.trueTimeRange(boundedRead{Before: before, After: after})
		t.Logf("at %s (system clock, Unix ns):\n"+
			"  /api/v1/status        offset %d ns, error bound %d ns, |offset| + error bound %d ns\n"+
			"  clockwatch_read --at  offset %s ns, error bound %s ns (estimate of %s: offset %s, error bound %s)\n"+
			"  clockbound_read --at  bound %s ns, status %s (record: bound %s ns = |offset| + error bound at as-of, max drift %s ppb)\n"+
			"  clockbound_read now   [%s, %s], true time by the demo within [%d, %d]",
			at, statusOffset, statusBound, abs(statusOffset)+statusBound,
			own["offset_at_ns"], own["error_bound_at_ns"], own["estimate_local_ns"], own["offset_ns"], own["error_bound_ns"],
			cbAt["bound_at_ns"], cbAt["status"], cbAt["bound_ns"], cbAt["max_drift_ppb"],
			cb["earliest_ns"], cb["latest_ns"], trueLo.UnixNano(), trueHi.UnixNano())
		if own["offset_at_ns"] != strconv.FormatInt(statusOffset, 10) || own["error_bound_at_ns"] != strconv.FormatInt(statusBound, 10) {
			t.Errorf("the C reader's offset %s ns and bound %s ns differ from the status's %d and %d at the same instant",
				own["offset_at_ns"], own["error_bound_at_ns"], statusOffset, statusBound)
		}
		recordOffset, recordBound := parseInt(t, own["offset_ns"]), parseInt(t, own["error_bound_ns"])
		if got := parseInt(t, cb["bound_ns"]); got != abs(recordOffset)+recordBound {
			t.Errorf("ClockBound bound %d ns, want |offset| + error bound = %d ns", got, abs(recordOffset)+recordBound)
		}
		// Carried to the status's instant, ClockBound's bound grows by its
		// max drift, at least as fast as |offset| + error bound may, from
		// an as-of two coarse ticks early: it covers them, by about max
		// drift × those ticks.
		slack := parseInt(t, cbAt["bound_at_ns"]) - (abs(statusOffset) + statusBound)
		if most := parseInt(t, cbAt["max_drift_ppb"]) * 3 / 100; slack < 0 || slack > most { // ppb × 30 ms
			t.Errorf("ClockBound bound at the status's instant exceeds |offset| + error bound by %d ns, want 0 to %d", slack, most)
		}
		truth.checkContainsTruth(t, "clockbound_read", boundedRead{Before: before, After: after,
			Earliest: parseInt(t, cb["earliest_ns"]), Latest: parseInt(t, cb["latest_ns"])})
		return
	}
}

// abs returns |x|.
func abs(x int64) int64 { return max(x, -x) }

// parseInt parses a reader's integer value.
func parseInt(t *testing.T, s string) int64 {
	t.Helper()
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		t.Fatalf("C reader printed %q, want an integer", s)
	}
	return v
}
