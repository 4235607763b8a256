//go:build linux

package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// agent is a clockwatch process under probe.
type agent struct {
	cmd  *exec.Cmd
	url  string
	done chan struct{}
	err  error // how it exited, once done is closed

	mu   sync.Mutex
	logs strings.Builder
}

// startAgent runs binary with args plus what every probed agent needs (JSON
// logs, the API on a free loopback port) and waits until it serves.
func startAgent(ctx context.Context, binary string, args ...string) (*agent, error) {
	args = append(args, "--log.format=json", "--log.level=debug", "--web.listen-address=127.0.0.1:0")
	a := &agent{cmd: exec.Command(binary, args...), done: make(chan struct{})}
	stderr, err := a.cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	if err := a.cmd.Start(); err != nil {
		return nil, err
	}
	addr := make(chan string, 1)
	go a.scan(stderr, addr)
	go func() { a.err = a.cmd.Wait(); close(a.done) }()
	select {
	case url := <-addr:
		a.url = "http://" + url
		return a, nil
	case <-a.done:
		return nil, fmt.Errorf("agent exited before serving (%v): %s", a.err, a.lastLog())
	case <-time.After(20 * time.Second):
		a.stop()
		return nil, fmt.Errorf("agent did not serve within 20s: %s", a.lastLog())
	case <-ctx.Done():
		a.stop()
		return nil, ctx.Err()
	}
}

// scan keeps the agent's log and reports the address it serves on.
func (a *agent) scan(r io.Reader, addr chan<- string) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		a.mu.Lock()
		a.logs.WriteString(sc.Text() + "\n")
		a.mu.Unlock()
		var entry struct{ Msg, Address string }
		if json.Unmarshal(sc.Bytes(), &entry) == nil && entry.Msg == "serving metrics and API" {
			select {
			case addr <- entry.Address:
			default:
			}
		}
	}
}

// log returns everything the agent logged so far.
func (a *agent) log() string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.logs.String()
}

// lastLog returns the agent's last log line, for error messages.
func (a *agent) lastLog() string {
	lines := strings.Split(strings.TrimSpace(a.log()), "\n")
	return lines[len(lines)-1]
}

// alive reports whether the process still runs; if not, how it ended.
func (a *agent) alive() (bool, string) {
	select {
	case <-a.done:
		return false, fmt.Sprint(a.err)
	default:
		return true, ""
	}
}

// stop ends the agent (SIGTERM, then SIGKILL) and waits for it.
func (a *agent) stop() {
	_ = a.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-a.done:
	case <-time.After(5 * time.Second):
		_ = a.cmd.Process.Kill()
		<-a.done
	}
}

// status is the part of /api/v1/status the probe reads.
type status struct {
	Synchronized      bool    `json:"synchronized"`
	OffsetSeconds     float64 `json:"offset_seconds"`
	ErrorBoundSeconds float64 `json:"error_bound_seconds"`
	Sources           []struct {
		Name          string            `json:"name"`
		Status        string            `json:"status"`
		Selected      bool              `json:"selected"`
		OffsetSeconds float64           `json:"offset_seconds"`
		PollSeconds   float64           `json:"poll_seconds"`
		Results       map[string]uint64 `json:"results"`
	} `json:"sources"`
}

// status reads /api/v1/status.
func (a *agent) status(ctx context.Context) (status, error) {
	var s status
	body, err := a.get(ctx, "/api/v1/status")
	if err != nil {
		return s, err
	}
	return s, json.Unmarshal(body, &s)
}

// get fetches a path of the agent's HTTP API.
func (a *agent) get(ctx context.Context, path string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, a.url+path, nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s", path, resp.Status)
	}
	return io.ReadAll(resp.Body)
}

// usage is what the agent holds of the machine.
type usage struct {
	rssKiB, fds int
}

func (u usage) String() string {
	return fmt.Sprintf("%.1f MiB RSS, %d fds", float64(u.rssKiB)/1024, u.fds)
}

// usage reads the agent's resident memory and open files from /proc.
func (a *agent) usage() (usage, error) {
	return processUsage(a.cmd.Process.Pid)
}

// processUsage reads a process's resident memory and open files from /proc.
func processUsage(pid int) (usage, error) {
	var u usage
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return u, err
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			u.rssKiB, _ = strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(rest), " kB"))
		}
	}
	fds, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
	u.fds = len(fds)
	return u, err
}

// watchBound reads the status every interval for d and returns how many
// synchronized readings there were, how many missed the true offset (0:
// every server serves this machine's clock), the worst miss as a multiple
// of the bound, and how many had a bound wider than wide.
func (a *agent) watchBound(ctx context.Context, d, interval, wide time.Duration, truth float64) (readings, missed, wider int, worst float64, err error) {
	for end := time.Now().Add(d); time.Now().Before(end); time.Sleep(interval) {
		s, err := a.status(ctx)
		if err != nil {
			return readings, missed, wider, worst, err
		}
		if !s.Synchronized {
			continue
		}
		readings++
		miss := abs(s.OffsetSeconds-truth) / s.ErrorBoundSeconds
		if miss > 1 {
			missed++
			worst = max(worst, miss)
		}
		if s.ErrorBoundSeconds > wide.Seconds() {
			wider++
		}
	}
	return readings, missed, wider, worst, nil
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}
