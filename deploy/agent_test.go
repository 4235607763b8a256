package deploy

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// TestMain removes the agent binary the tests build.
func TestMain(m *testing.M) {
	code := m.Run()
	if binary.dir != "" {
		os.RemoveAll(binary.dir)
	}
	os.Exit(code)
}

// binary is the clockwatch binary, built once for every test that runs it.
var binary struct {
	once sync.Once
	dir  string
	path string
	err  error
}

// agentBinary builds ./cmd/clockwatch with `go build` (once) in the root
// module, with the root module's own dependency versions, and returns the
// path of the binary.
func agentBinary(t *testing.T) string {
	t.Helper()
	binary.once.Do(func() {
		binary.dir, binary.err = os.MkdirTemp("", "clockwatch-deploy-test-")
		if binary.err != nil {
			return
		}
		binary.path = filepath.Join(binary.dir, "clockwatch")
		out, err := exec.Command("go", "build", "-C", "..", "-o", binary.path, "./cmd/clockwatch").CombinedOutput()
		if err != nil {
			binary.err = fmt.Errorf("go build ./cmd/clockwatch: %v\n%s", err, out)
		}
	})
	if binary.err != nil {
		t.Fatal(binary.err)
	}
	return binary.path
}

// agentFlags returns the names of the flags of `clockwatch run`, read from
// `clockwatch help run`.
func agentFlags(t *testing.T) map[string]bool {
	t.Helper()
	help, err := exec.Command(agentBinary(t), "help", "run").CombinedOutput()
	if err != nil {
		t.Fatalf("clockwatch help run: %v\n%s", err, help)
	}
	known := map[string]bool{}
	flag := regexp.MustCompile(`^\s+(?:-\w, )?--(?:\[no-\])?([\w.-]+)`)
	for _, line := range strings.Split(string(help), "\n") {
		if m := flag.FindStringSubmatch(line); m != nil {
			known[m[1]] = true
		}
	}
	if !known["config.file"] {
		t.Fatalf("clockwatch help run lists no --config.file:\n%s", help)
	}
	return known
}

// demoAgent is a running `clockwatch demo`: the agent against simulated
// NTP servers on loopback, serving /metrics and the API on addr.
type demoAgent struct {
	addr string
}

// startDemo starts `clockwatch demo --seed seed` on a free loopback port
// and returns once it serves HTTP. The agent is stopped with SIGINT when
// the test ends.
func startDemo(t *testing.T, seed int) *demoAgent {
	t.Helper()
	cmd := exec.Command(agentBinary(t), "demo",
		"--web.listen-address", "127.0.0.1:0",
		"--seed", fmt.Sprint(seed),
		"--log.format", "json")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGINT)
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
	})
	addr, err := listenAddress(stderr)
	if err != nil {
		t.Fatalf("clockwatch demo --seed %d: %v", seed, err)
	}
	return &demoAgent{addr: addr}
}

// listenAddress reads the agent's JSON log until it says where it serves,
// then keeps draining the log so the agent never blocks on a full pipe.
func listenAddress(log io.Reader) (string, error) {
	lines := bufio.NewScanner(log)
	for lines.Scan() {
		var record struct {
			Msg     string `json:"msg"`
			Address string `json:"address"`
		}
		if json.Unmarshal(lines.Bytes(), &record) == nil && record.Msg == "serving metrics and API" {
			go func() { _, _ = io.Copy(io.Discard, log) }()
			return record.Address, nil
		}
	}
	return "", fmt.Errorf("exited before it served HTTP (no %q log record): %v", "serving metrics and API", lines.Err())
}

// agentStatus is the part of GET /api/v1/status the tests read.
type agentStatus struct {
	Time              time.Time `json:"time"`
	Synchronized      bool      `json:"synchronized"`
	OffsetSeconds     float64   `json:"offset_seconds"`
	ErrorBoundSeconds float64   `json:"error_bound_seconds"`
}

// status reads the agent's /api/v1/status.
func (a *demoAgent) status(ctx context.Context) (agentStatus, error) {
	var s agentStatus
	body, err := a.get(ctx, "/api/v1/status")
	if err != nil {
		return s, err
	}
	return s, json.Unmarshal(body, &s)
}

// metrics reads the agent's /metrics in the text exposition format.
func (a *demoAgent) metrics(ctx context.Context) ([]byte, error) {
	return a.get(ctx, "/metrics")
}

// get fetches path from the agent and fails on any status but 200.
func (a *demoAgent) get(ctx context.Context, path string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+a.addr+path, nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s: %s", path, resp.Status, body)
	}
	return body, nil
}

// waitSynchronized polls the agent until it reports synchronized.
func (a *demoAgent) waitSynchronized(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for {
		s, err := a.status(ctx)
		if err == nil && s.Synchronized {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("agent %s not synchronized after 30s (last error: %v)", a.addr, err)
		case <-time.After(100 * time.Millisecond):
		}
	}
}
