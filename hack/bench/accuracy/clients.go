package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// reading is what a client said about its offset at one instant.
type reading struct {
	at time.Time
	// offset is local clock − reference and bound its error bound, in
	// seconds (a bound may be huge: unknown).
	offset, bound float64
	synced        bool
	// parts splits the bound as the client explains it, in seconds; every
	// reading of one client names the same parts in the same order.
	parts []boundPart
	// interval is the region the client says holds the true offset, in
	// seconds, when it says one apart from offset ± bound.
	interval *offsetInterval
	// model is what the client's drift bound relies on, when it says.
	model string
}

// offsetInterval is a closed interval of offsets, in seconds.
type offsetInterval struct{ min, max float64 }

// boundPart is one named share of a bound, in seconds.
type boundPart struct {
	name    string
	seconds float64
}

// client is an NTP client under test.
type client interface {
	// name identifies the client in the table.
	name() string
	// read asks the client for its current estimate.
	read(ctx context.Context) (reading, error)
	// stop ends the client.
	stop()
	// process is the client's process, to tell when it died.
	process() *process
}

// chronyClient is chronyd -x: it measures and tracks without touching the
// clock, so its tracking report's System time is its offset estimate.
type chronyClient struct {
	label  string
	proc   *process
	socket string
}

// polling is how both clients poll their servers: every interval, and
// allowing the local clock's frequency to move by wander (a ratio; zero:
// each client's default, 1 ppm).
type polling struct {
	interval time.Duration
	wander   float64
}

// startChrony starts chronyd polling every server address as p says;
// label names it in logs and tables.
func startChrony(l *lab, label string, servers []string, p polling) (*chronyClient, error) {
	dir, err := l.subdir(label)
	if err != nil {
		return nil, err
	}
	var conf strings.Builder
	exp := int(math.Round(math.Log2(p.interval.Seconds())))
	for _, s := range servers {
		host, port, _ := strings.Cut(s, ":")
		fmt.Fprintf(&conf, "server %s port %s minpoll %d maxpoll %d iburst\n", host, port, exp, exp)
	}
	if p.wander > 0 {
		fmt.Fprintf(&conf, "maxclockerror %g\n", p.wander*1e6)
	}
	socket := filepath.Join(dir, "chronyd.sock")
	fmt.Fprintf(&conf, "cmdport 0\nbindcmdaddress %s\npidfile %s\n", socket, filepath.Join(dir, "chronyd.pid"))
	path := filepath.Join(dir, "chronyd.conf")
	if err := os.WriteFile(path, []byte(conf.String()), 0o600); err != nil {
		return nil, err
	}
	proc, err := l.startProcess(label, nil, "chronyd", "-x", "-d", "-u", "root", "-f", path)
	if err != nil {
		return nil, err
	}
	return &chronyClient{label: label, proc: proc, socket: socket}, nil
}

func (c *chronyClient) name() string { return c.label }

func (c *chronyClient) stop() { c.proc.stop() }

func (c *chronyClient) process() *process { return c.proc }

// read runs chronyc -c tracking.
func (c *chronyClient) read(ctx context.Context) (reading, error) {
	before := time.Now()
	out, err := exec.CommandContext(ctx, "chronyc", "-c", "-h", c.socket, "tracking").Output()
	at := before.Add(time.Since(before) / 2)
	if err != nil {
		return reading{at: at}, fmt.Errorf("chronyc tracking: %w", err)
	}
	return parseTracking(out, at)
}

// parseTracking reads the CSV of chronyc -c tracking, taken at at. Its
// fields: 0 Reference ID, 4 System time (positive: the clock is slow of NTP
// time, so the offset is its negative), 10 Root delay, 11 Root dispersion,
// 13 Leap status.
func parseTracking(out []byte, at time.Time) (reading, error) {
	r := reading{at: at}
	f := strings.Split(strings.TrimSpace(string(out)), ",")
	if len(f) < 14 {
		return r, fmt.Errorf("chronyc tracking: unexpected %q", out)
	}
	var nums [3]float64
	for i, k := range []int{4, 10, 11} {
		var err error
		if nums[i], err = strconv.ParseFloat(f[k], 64); err != nil {
			return r, fmt.Errorf("chronyc tracking field %d: %w", k, err)
		}
	}
	r.offset, r.bound = -nums[0], nums[1]/2+nums[2]
	r.parts = []boundPart{{"root delay/2", nums[1] / 2}, {"root dispersion", nums[2]}}
	r.synced = f[0] != "00000000" && f[13] != "Not synchronised"
	return r, nil
}

// agentClient is `clockwatch run`, read over its HTTP API.
type agentClient struct {
	proc *process
	url  string
	http *http.Client
}

// startAgent starts clockwatch polling every server address as p says.
func startAgent(l *lab, servers []string, p polling) (*agentClient, error) {
	port, err := freePort("tcp")
	if err != nil {
		return nil, err
	}
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	args := []string{l.opts.clockwatch, "run", "--poll.interval=" + p.interval.String(), "--web.listen-address=" + addr,
		"--state.dir=", "--shm.path=", "--log.level=info"}
	if p.wander > 0 {
		args = append(args, fmt.Sprintf("--holdover.wander-ppm=%g", p.wander*1e6))
	}
	for _, s := range servers {
		args = append(args, "--ntp.server="+s)
	}
	proc, err := l.startProcess("clockwatch", nil, args...)
	if err != nil {
		return nil, err
	}
	return &agentClient{proc: proc, url: "http://" + addr + "/api/v1/status", http: &http.Client{Timeout: 2 * time.Second}}, nil
}

func (a *agentClient) name() string { return "clockwatch" }

func (a *agentClient) stop() { a.proc.stop() }

func (a *agentClient) process() *process { return a.proc }

// read fetches /api/v1/status; the estimate refers to its time field.
func (a *agentClient) read(ctx context.Context) (reading, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, a.url, nil)
	if err != nil {
		return reading{}, err
	}
	resp, err := a.http.Do(req)
	if err != nil {
		return reading{at: time.Now()}, fmt.Errorf("clockwatch status: %w", err)
	}
	defer resp.Body.Close()
	var s struct {
		Time         time.Time `json:"time"`
		Synchronized bool      `json:"synchronized"`
		Offset       float64   `json:"offset_seconds"`
		Bound        float64   `json:"error_bound_seconds"`
		Parts        struct {
			Measurement  float64 `json:"measurement_seconds"`
			RootDistance float64 `json:"root_distance_seconds"`
			DriftGrowth  float64 `json:"drift_growth_seconds"`
			Selection    float64 `json:"selection_seconds"`
		} `json:"bound_parts"`
		Model    string `json:"drift_model"`
		Interval *struct {
			Min float64 `json:"min_seconds"`
			Max float64 `json:"max_seconds"`
		} `json:"offset_interval"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&s); err != nil {
		return reading{at: time.Now()}, fmt.Errorf("clockwatch status: %w", err)
	}
	parts := []boundPart{
		{"measurement", s.Parts.Measurement}, {"root distance", s.Parts.RootDistance},
		{"drift growth", s.Parts.DriftGrowth}, {"selection", s.Parts.Selection},
	}
	r := reading{at: s.Time, offset: s.Offset, bound: s.Bound, synced: s.Synchronized, parts: parts, model: s.Model}
	if s.Interval != nil {
		r.interval = &offsetInterval{min: s.Interval.Min, max: s.Interval.Max}
	}
	return r, nil
}
