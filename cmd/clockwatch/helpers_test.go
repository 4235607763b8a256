package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/clockwatch/clockwatch/exporters"
)

// binary is the clockwatch binary the integration tests run, built once by
// TestMain.
var binary string

func TestMain(m *testing.M) {
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

// syncBuffer is a bytes.Buffer safe for a writer and readers at once.
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

// agentProcess is a clockwatch process started by a test.
type agentProcess struct {
	cmd    *exec.Cmd
	url    string
	stdout *syncBuffer
	logs   *syncBuffer
	done   chan error
}

// startAgent runs clockwatch with args plus JSON logging and an HTTP port
// on loopback, and waits until it serves. The process is killed at the end
// of the test.
func startAgent(t *testing.T, args ...string) *agentProcess {
	t.Helper()
	args = append(args, "--log.format=json", "--log.level=debug", "--web.listen-address=127.0.0.1:0")
	p := &agentProcess{cmd: exec.Command(binary, args...), stdout: &syncBuffer{}, logs: &syncBuffer{}, done: make(chan error, 1)}
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
			t.Logf("clockwatch %s logs:\n%s", strings.Join(args, " "), p.logs.String())
		}
	})
	select {
	case a := <-addr:
		p.url = "http://" + a
	case err := <-p.done:
		t.Fatalf("clockwatch exited before serving: %v\n%s", err, p.logs.String())
	case <-time.After(20 * time.Second):
		t.Fatalf("clockwatch did not start serving\n%s", p.logs.String())
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
	resp, err := http.Get(p.url + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s %v: %s", path, resp.Status, err, body)
	}
	return body
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

// freeUDPPort returns a UDP port on loopback that was free a moment ago.
func freeUDPPort(t *testing.T) int {
	t.Helper()
	c, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	return c.LocalAddr().(*net.UDPAddr).Port
}

// startChronyd runs a real chronyd serving NTP on loopback from this
// machine's clock (so the true offset is 0) and returns its address. It
// never touches the clock (-x). The test skips when chronyd is missing or
// we are not root.
func startChronyd(t *testing.T) string {
	t.Helper()
	path, err := exec.LookPath("chronyd")
	if err != nil {
		t.Skip("chronyd not installed (Debian package chrony; make test installs it)")
	}
	if os.Geteuid() != 0 {
		t.Skip("chronyd -u root needs root")
	}
	dir := t.TempDir()
	port := freeUDPPort(t)
	conf := fmt.Sprintf("local stratum 1\nallow 127.0.0.1\nport %d\ncmdport 0\npidfile %s\n", port, filepath.Join(dir, "chronyd.pid"))
	confPath := filepath.Join(dir, "chrony.conf")
	if err := os.WriteFile(confPath, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(path, "-x", "-u", "root", "-d", "-f", confPath)
	logs := &syncBuffer{}
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("chronyd logs:\n%s", logs.String())
		}
	})
	return fmt.Sprintf("127.0.0.1:%d", port)
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
