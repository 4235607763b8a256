package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/clockwatch/clockwatch/exporters"
	"github.com/clockwatch/clockwatch/internal/cli"
	"github.com/clockwatch/clockwatch/internal/localclock"
	"github.com/clockwatch/clockwatch/internal/testlab"
)

// binary is the clockwatch binary the integration tests run, built once by
// TestMain.
var binary string

// shiftEnv, when set to a duration, makes the test binary run as
// `clockwatch run` on a local clock that reads that much ahead of the
// system clock: an agent whose clock is off by a known amount, for the
// tests that need one in another network namespace.
const shiftEnv = "CLOCKWATCH_TEST_CLOCK_SHIFT"

func TestMain(m *testing.M) {
	if shift := os.Getenv(shiftEnv); shift != "" {
		os.Exit(runShiftedAgent(shift, os.Args[1:]))
	}
	if os.Getenv(readerEnv) != "" {
		// This process is the shared-memory reader of a test: it needs no
		// agent binary.
		os.Exit(m.Run())
	}
	dir, err := os.MkdirTemp("", "clockwatch-test")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "clockwatch")
	build := exec.Command("go", "build", "-o", binary, ".")
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building clockwatch for the integration tests:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// runShiftedAgent runs `clockwatch run args...` on the system clock read
// shift ahead.
func runShiftedAgent(shift string, args []string) int {
	d, err := time.ParseDuration(shift)
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s=%q: %v\n", shiftEnv, shift, err)
		return 2
	}
	shifted := cli.Program{Name: "clockwatch", Commands: []cli.Registrar{runCommand(localclock.Shifted(d))}}
	return shifted.Execute(context.Background(), args, os.Stdout, os.Stderr)
}

// agentProcess is a clockwatch process started by a test.
type agentProcess struct {
	cmd    *exec.Cmd
	url    string
	stdout *testlab.Buffer
	logs   *testlab.Buffer
	done   chan error
}

// startAgent runs clockwatch with testArgs(args) and waits until it
// serves. The process is killed at the end of the test.
func startAgent(t *testing.T, args ...string) *agentProcess {
	t.Helper()
	return startProcess(t, exec.Command(binary, testArgs(args)...), "clockwatch "+strings.Join(args, " "))
}

// testArgs adds what every agent of a test needs: JSON logs at debug level,
// the HTTP API on a free loopback port, and no shared memory unless the
// test asks for it (never the host's /run/clockwatch/clock).
func testArgs(args []string) []string {
	args = append(slices.Clone(args), "--log.format=json", "--log.level=debug", "--web.listen-address=127.0.0.1:0")
	if slices.Contains(args, "run") && !slices.ContainsFunc(args, func(a string) bool { return strings.HasPrefix(a, "--shm.path") }) {
		args = append(args, "--shm.path=")
	}
	return args
}

// startProcess starts an agent command (named what, for the logs), copies
// its log, and waits until it serves; it is killed at the end of the test.
func startProcess(t *testing.T, cmd *exec.Cmd, what string) *agentProcess {
	t.Helper()
	p := &agentProcess{cmd: cmd, stdout: &testlab.Buffer{}, logs: &testlab.Buffer{}, done: make(chan error, 1)}
	p.cmd.Stdout = p.stdout
	stderr, err := p.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	addr := make(chan string, 1)
	go p.scanLogs(stderr, addr)
	go func() { p.done <- p.cmd.Wait() }()
	t.Cleanup(func() {
		_ = p.cmd.Process.Kill()
		<-p.done
		if t.Failed() {
			t.Logf("%s logs:\n%s", what, lastLines(p.logs.String(), 60))
		}
	})
	select {
	case a := <-addr:
		p.url = "http://" + a
	case err := <-p.done:
		t.Fatalf("%s exited before serving: %v\n%s", what, err, p.logs.String())
	case <-time.After(20 * time.Second):
		t.Fatalf("%s did not start serving\n%s", what, p.logs.String())
	}
	return p
}

// scanLogs copies the agent's log and reports the address it serves on.
func (p *agentProcess) scanLogs(r io.Reader, addr chan<- string) {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := sc.Bytes()
		p.logs.Write(append(append([]byte(nil), line...), '\n'))
		var entry struct {
			Msg     string `json:"msg"`
			Address string `json:"address"`
		}
		if json.Unmarshal(line, &entry) == nil && entry.Msg == "serving metrics and API" {
			select {
			case addr <- entry.Address:
			default:
			}
		}
	}
}

// get fetches a path of the agent's API.
func (p *agentProcess) get(t *testing.T, path string) []byte {
	t.Helper()
	return testlab.Get(t, p.url+path)
}

// status reads /api/v1/status.
func (p *agentProcess) status(t *testing.T) exporters.Status {
	t.Helper()
	var s exporters.Status
	if err := json.Unmarshal(p.get(t, "/api/v1/status"), &s); err != nil {
		t.Fatal(err)
	}
	return s
}

// signal sends sig to the agent.
func (p *agentProcess) signal(t *testing.T, sig syscall.Signal) {
	t.Helper()
	if err := p.cmd.Process.Signal(sig); err != nil {
		t.Fatal(err)
	}
}

// stop sends the agent sig and returns how it exited, failing the test
// unless it exits within 10 s.
func (p *agentProcess) stop(t *testing.T, sig syscall.Signal) error {
	t.Helper()
	p.signal(t, sig)
	select {
	case err := <-p.done:
		p.done <- err // for the cleanup of startProcess
		return err
	case <-time.After(10 * time.Second):
		t.Fatalf("agent did not stop on %v", sig)
		return nil
	}
}

// Symmetric keys of the tests, in chrony's key-file format: a fleet's key
// 7, and an outsider's key of the same ID with another secret.
const (
	fleetKey    = "7 AES128 HEX:7EA62AE64D190114D46D5A082F948EC1\n"
	outsiderKey = "7 AES128 HEX:0F1E2D3C4B5A69788796A5B4C3D2E1F0\n"
)

// waitFor polls cond every 200 ms until it holds or timeout passes.
func waitFor(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// sourceByName finds a source in a status document.
func sourceByName(s exporters.Status, name string) (exporters.Source, bool) {
	for _, src := range s.Sources {
		if src.Name == name {
			return src, true
		}
	}
	return exporters.Source{}, false
}

// shortTempDir is a temporary directory with a path short enough for unix
// sockets.
func shortTempDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "cw")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

// lastLines returns the last n lines of s.
func lastLines(s string, n int) string {
	var lines []string
	sc := bufio.NewScanner(strings.NewReader(s))
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}
