package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/clockwatch/clockwatch/logicaltime"
)

// Staleness limits of the reader process: short, so the test sees the
// bound grow and then fail within seconds of killing the agent.
const (
	readerStaleAfter = 300 * time.Millisecond
	readerStaleLimit = 3 * time.Second
)

// readerEnv names the shared memory file when the test binary runs as the
// reader process (TestShmReaderProcess).
const readerEnv = "CLOCKWATCH_TEST_SHM_READER"

// boundedRead is one read of bounded time by the reader process, with the
// system clock just before and just after it.
type boundedRead struct {
	Before, After    int64 // system clock, Unix ns
	Earliest, Latest int64 // the interval, Unix ns
	Error            string
}

// width returns the width of the interval.
func (r boundedRead) width() time.Duration { return time.Duration(r.Latest - r.Earliest) }

// TestShmReaderProcess is the reader process of TestShmBoundedTimeFromAgent:
// run with readerEnv set, it opens the file once per line it reads from
// stdin, reads bounded time and prints the read as a JSON line.
func TestShmReaderProcess(t *testing.T) {
	path := os.Getenv(readerEnv)
	if path == "" {
		t.Skip("helper process of TestShmBoundedTimeFromAgent")
	}
	requests := bufio.NewScanner(os.Stdin)
	for requests.Scan() {
		out, _ := json.Marshal(readOnce(path))
		fmt.Println(string(out))
	}
}

// readOnce opens the bounded clock at path and reads it.
func readOnce(path string) boundedRead {
	bounded, err := logicaltime.OpenBounded(path, logicaltime.WithStaleAfter(readerStaleAfter), logicaltime.WithStaleLimit(readerStaleLimit))
	if err != nil {
		return boundedRead{Error: err.Error()}
	}
	defer bounded.Close()
	before := time.Now()
	iv, err := bounded.Now()
	after := time.Now()
	if err != nil {
		return boundedRead{Error: err.Error()}
	}
	return boundedRead{Before: before.UnixNano(), After: after.UnixNano(), Earliest: iv.Earliest.UnixNano(), Latest: iv.Latest.UnixNano()}
}

// readerProcess is the test binary running TestShmReaderProcess.
type readerProcess struct {
	requests io.WriteCloser
	reads    *bufio.Scanner
}

// startReader starts the reader process on path; it ends with the test.
func startReader(t *testing.T, path string) *readerProcess {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestShmReaderProcess$")
	cmd.Env = append(os.Environ(), readerEnv+"="+path)
	cmd.Stderr = os.Stderr
	requests, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	reads, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		requests.Close()
		_ = cmd.Wait()
	})
	return &readerProcess{requests: requests, reads: bufio.NewScanner(reads)}
}

// read asks the reader process for one read.
func (p *readerProcess) read(t *testing.T) boundedRead {
	t.Helper()
	if _, err := io.WriteString(p.requests, "read\n"); err != nil {
		t.Fatalf("reader process: %v", err)
	}
	for p.reads.Scan() {
		var r boundedRead
		if json.Unmarshal(p.reads.Bytes(), &r) == nil {
			return r
		}
	}
	t.Fatalf("reader process ended: %v", p.reads.Err())
	return boundedRead{}
}

// demoTruth is the demo's simulated true time: the host's clock runs ahead
// by offset + drift × (time since the demo started), and the start is
// known to lie between two instants.
type demoTruth struct {
	offset           time.Duration
	drift            float64
	startLo, startHi time.Time
}

// demoHeadline parses the demo's first line of output.
var demoHeadline = regexp.MustCompile(`this host's clock is (\S+) ahead of true time and gains (\S+) ppm`)

// parseDemoTruth reads the offset and drift the demo announces.
func parseDemoTruth(t *testing.T, stdout string, startLo, startHi time.Time) demoTruth {
	t.Helper()
	m := demoHeadline.FindStringSubmatch(stdout)
	if m == nil {
		t.Fatalf("demo output lacks its headline:\n%s", stdout)
	}
	offset, err1 := time.ParseDuration(m[1])
	ppm, err2 := strconv.ParseFloat(m[2], 64)
	if err1 != nil || err2 != nil {
		t.Fatalf("demo headline %q: %v %v", m[0], err1, err2)
	}
	return demoTruth{offset: offset, drift: ppm * 1e-6, startLo: startLo, startHi: startHi}
}

// trueTimeRange returns the earliest and latest true time a read may have
// happened at, given the system clock before and after it.
func (d demoTruth) trueTimeRange(r boundedRead) (lo, hi time.Time) {
	before, after := time.Unix(0, r.Before), time.Unix(0, r.After)
	// true = local − offset − drift × (local − start): smallest with the
	// earliest local reading and the earliest start.
	lo = before.Add(-d.offset - time.Duration(d.drift*float64(before.Sub(d.startLo))))
	hi = after.Add(-d.offset - time.Duration(d.drift*float64(after.Sub(d.startHi))))
	return lo, hi
}

// checkContainsTruth fails unless the read interval can contain the demo's
// true time at the instant of the read.
func (d demoTruth) checkContainsTruth(t *testing.T, what string, r boundedRead) {
	t.Helper()
	lo, hi := d.trueTimeRange(r)
	if r.Earliest > hi.UnixNano() || r.Latest < lo.UnixNano() {
		t.Errorf("%s: interval [%v, %v] misses true time in [%v, %v]", what,
			time.Unix(0, r.Earliest).UTC(), time.Unix(0, r.Latest).UTC(), lo.UTC(), hi.UTC())
	}
}

// TestShmBoundedTimeFromAgent runs `clockwatch demo` publishing to shared
// memory and reads bounded time from a separate process: the interval
// contains the demo's true time; once the agent is killed the bound grows,
// and past the stale limit the read fails.
func TestShmBoundedTimeFromAgent(t *testing.T) {
	path := filepath.Join(t.TempDir(), "run", "clockwatch", "clock")
	reader := startReader(t, path)
	if r := reader.read(t); !strings.Contains(r.Error, "start it: clockwatch run --shm.path "+path) {
		t.Errorf("read without an agent: %q, want an error saying how to start it", r.Error)
	}

	launched := time.Now()
	agent := startAgent(t, "demo", "--shm.path", path, "--poll.interval=500ms")
	truth := parseDemoTruthWhenPrinted(t, agent, launched, time.Now())

	var r boundedRead
	waitFor(t, 30*time.Second, "bounded time from the agent", func() bool {
		r = reader.read(t)
		return r.Error == ""
	})
	for i := range 5 {
		r = reader.read(t)
		if r.Error != "" {
			t.Fatalf("read %d while the agent runs: %s", i, r.Error)
		}
		truth.checkContainsTruth(t, fmt.Sprintf("read %d", i), r)
		time.Sleep(200 * time.Millisecond)
	}
	t.Logf("bounded time while the agent runs: ± %v", r.width()/2)

	_ = agent.stop(t, syscall.SIGKILL)
	killed := time.Now()
	time.Sleep(readerStaleAfter + 200*time.Millisecond)
	first := reader.read(t)
	time.Sleep(time.Second)
	second := reader.read(t)
	for _, read := range []boundedRead{first, second} {
		if read.Error != "" {
			t.Fatalf("read %v after the agent was killed, within the stale limit: %s", time.Since(killed).Round(time.Millisecond), read.Error)
		}
		truth.checkContainsTruth(t, "read after the kill", read)
	}
	if second.width() <= first.width() {
		t.Errorf("bound after the kill: ± %v then ± %v; want it growing", first.width()/2, second.width()/2)
	}
	t.Logf("bound after the kill: ± %v, then ± %v a second later", first.width()/2, second.width()/2)

	waitFor(t, readerStaleLimit+5*time.Second, "the reader to give up on the dead agent", func() bool {
		r = reader.read(t)
		return r.Error != ""
	})
	if !strings.Contains(r.Error, "stopped publishing") || !strings.Contains(r.Error, "clockwatch run --shm.path "+path) {
		t.Errorf("read past the stale limit: %q, want a stale error saying how to start the agent", r.Error)
	}
}

// parseDemoTruthWhenPrinted waits for the demo's headline and parses it; the
// demo started between launched and served.
func parseDemoTruthWhenPrinted(t *testing.T, agent *agentProcess, launched, served time.Time) demoTruth {
	t.Helper()
	waitFor(t, 10*time.Second, "the demo's headline", func() bool {
		return demoHeadline.MatchString(agent.stdout.String())
	})
	return parseDemoTruth(t, agent.stdout.String(), launched, served)
}
