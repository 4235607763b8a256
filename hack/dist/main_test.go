package main

import (
	"bytes"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// testBuilds holds the one linux/amd64 build the tests share: a static
// build of every command takes a minute or two when the cache is cold.
var testBuilds struct {
	once sync.Once
	work string
	r    release
	b    build
	err  error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if testBuilds.work != "" {
		os.RemoveAll(testBuilds.work)
	}
	os.Exit(code)
}

// testBuild returns the release of this repository (version from the
// VERSION file) and its linux/amd64 binaries, built once.
func testBuild(t *testing.T) (release, build) {
	t.Helper()
	testBuilds.once.Do(func() {
		if testBuilds.r, testBuilds.err = loadRelease(""); testBuilds.err != nil {
			return
		}
		if testBuilds.work, testBuilds.err = os.MkdirTemp("", "clockwatch-dist-test-"); testBuilds.err != nil {
			return
		}
		testBuilds.b, testBuilds.err = testBuilds.r.buildBinaries(testBuilds.work, "amd64")
	})
	if testBuilds.err != nil {
		t.Fatal(testBuilds.err)
	}
	return testBuilds.r, testBuilds.b
}

// testRelease returns the release of this repository, without building.
func testRelease(t *testing.T) release {
	t.Helper()
	r, err := loadRelease("")
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// checkVersionOutput runs `BINARY --version` and checks that it reports the
// release's version and revision.
func checkVersionOutput(t *testing.T, binary string, r release) {
	t.Helper()
	out, err := exec.Command(binary, "--version").CombinedOutput()
	if err != nil {
		t.Fatalf("%s --version: %v\n%s", binary, err, out)
	}
	for _, want := range []string{"version " + r.version + " ", "revision: " + r.revision} {
		if !bytes.Contains(out, []byte(want)) {
			t.Errorf("%s --version does not say %q:\n%s", binary, want, out)
		}
	}
}

// runLogged runs a command, logs its output and fails the test if it fails.
func runLogged(t *testing.T, name string, args ...string) string {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	t.Logf("$ %s %s\n%s", name, strings.Join(args, " "), out)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return string(out)
}

// needCommands skips the test, naming the Debian package, when a command
// it runs is missing.
func needCommands(t *testing.T, commands map[string]string) {
	t.Helper()
	for cmd, pkg := range commands {
		if _, err := exec.LookPath(cmd); err != nil {
			t.Skipf("%s not installed (Debian package %s)", cmd, pkg)
		}
	}
}

// agentStarted and agentStopped are what the agent logs when it serves and
// when it has stopped cleanly.
const (
	agentStarted = "clockwatch agent started"
	agentStopped = "clockwatch agent stopped"
)

// checkAgentRuns starts cmd, an agent, waits until it logs that it started
// (a minute at most: the machine may be busy), stops it with SIGTERM and
// checks that it stopped cleanly. what says what runs, for the test's log.
func checkAgentRuns(t *testing.T, what string, cmd *exec.Cmd) {
	t.Helper()
	log := &syncBuffer{}
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	deadline := time.After(time.Minute)
	for !strings.Contains(log.String(), agentStarted) {
		select {
		case err := <-done:
			t.Fatalf("%s exited by itself: %v\n%s", what, err, log)
		case <-deadline:
			_ = cmd.Process.Kill()
			t.Fatalf("%s did not start in a minute:\n%s", what, log)
		case <-time.After(100 * time.Millisecond):
		}
	}
	_ = cmd.Process.Signal(syscall.SIGTERM)
	err := <-done
	t.Logf("$ %s (stopped with SIGTERM once started)\n%s", what, log)
	if err != nil || !strings.Contains(log.String(), agentStopped) {
		t.Errorf("%s did not stop cleanly on SIGTERM: %v", what, err)
	}
}

// syncBuffer is a buffer that a command writes while the test reads it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
