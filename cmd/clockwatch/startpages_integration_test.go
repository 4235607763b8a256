package main

import (
	"strings"
	"testing"
	"time"

	"github.com/clockwatch/clockwatch/internal/startpages"
	"github.com/clockwatch/clockwatch/internal/testlab"
)

// TestRunReleasesStartupPages runs two agents against chronyd, one with
// the release of the start-up pages (the default) and one without: once
// the first has released them a second time (startupSettle after its
// start), its file-backed resident memory is below the other's (read
// before either serves a request, which maps the HTTP server's code), and
// it keeps measuring and serving.
func TestRunReleasesStartupPages(t *testing.T) {
	server := testlab.ChronydServer(t)
	args := []string{"run", "--ntp.server", server, "--poll.interval=1s", "--state.dir="}
	released := startAgent(t, args...)
	kept := startAgent(t, append(args, "--no-runtime.release-startup-pages")...)
	waitFor(t, startupSettle+20*time.Second, "the second release of the start-up pages", func() bool {
		return strings.Count(released.logs.String(), "released the binary's start-up pages") == 2
	})
	withRelease, without := residentFileKiB(t, released.cmd.Process.Pid), residentFileKiB(t, kept.cmd.Process.Pid)
	if withRelease >= without {
		t.Errorf("file-backed resident memory %d KiB with the release, %d KiB without: want less", withRelease, without)
	}
	t.Logf("file-backed resident memory: %d KiB with the release, %d KiB without", withRelease, without)
	if n := strings.Count(kept.logs.String(), "released the binary's start-up pages"); n != 0 {
		t.Errorf("with --no-runtime.release-startup-pages the agent released its pages %d times", n)
	}
	src, ok := sourceByName(released.status(t), server)
	if !ok || src.LastSample == nil {
		t.Fatalf("source %s after the release: %+v", server, src)
	}
	before := *src.LastSample
	waitFor(t, 10*time.Second, "a sample after the release", func() bool {
		s := released.status(t)
		src, _ = sourceByName(s, server)
		return s.Synchronized && src.LastSample != nil && src.LastSample.After(before)
	})
	if families := parseMetrics(t, released.get(t, "/metrics")); families["clockwatch_synchronized"] == nil {
		t.Error("after the release, /metrics lacks clockwatch_synchronized")
	}
}

// residentFileKiB is RssFile of process pid, in KiB.
func residentFileKiB(t *testing.T, pid int) int64 {
	t.Helper()
	n, err := startpages.ResidentFile(pid)
	if err != nil {
		t.Fatal(err)
	}
	return n >> 10
}
