package deploy

import (
	"bytes"
	"context"
	"fmt"
	"maps"
	"math"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/clockwatch/clockwatch/deploy/mixin"
	"github.com/prometheus/client_golang/api"
	promv1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"
)

// ruleFiles are the rule files a Prometheus of clockwatch loads.
var ruleFiles = []string{"prometheus/recording_rules.yml", "prometheus/alerting_rules.yml"}

// TestPrometheusFleetSkew runs a real Prometheus on loopback that scrapes
// three `clockwatch demo` agents and evaluates the rules, and checks that
// the recorded fleet skew is the skew of the offsets the agents themselves
// report on /api/v1/status, and that every rule evaluates without error.
//
// Each demo agent measures its own simulated servers through its own
// jitter (--seed), so the agents disagree by tens of microseconds. The
// expectation comes from what each agent reported on /api/v1/status around
// the instant Prometheus scraped it, and exactly from the scraped values.
func TestPrometheusFleetSkew(t *testing.T) {
	promBinary, err := exec.LookPath("prometheus")
	if err != nil {
		t.Skip("prometheus not installed (Debian package prometheus; hack/test.sh installs it): skipping the live Prometheus test")
	}
	var agents []*demoAgent
	for seed := 1; seed <= 3; seed++ {
		agents = append(agents, startDemo(t, seed))
	}
	config, err := mixin.LoadConfig("")
	if err != nil {
		t.Fatal(err)
	}
	// A host within the SLO is not provably further off than this:
	// |offset| - error bound <= slo.
	slo := config.SLOOffsetSeconds
	prom := startPrometheus(t, promBinary, agents)
	for _, a := range agents {
		a.waitSynchronized(t)
	}

	// Record every agent's own view while Prometheus scrapes and evaluates,
	// until a skew was recorded from scrapes of every agent made well inside
	// the recording.
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	rec := recordStatuses(ctx, agents)
	start := time.Now()
	var (
		got        model.SamplePair
		candidates map[string][]model.SamplePair
	)
	for {
		select {
		case <-ctx.Done():
			t.Fatalf("no fleet skew recorded from scrapes of all %d agents within 60s", len(agents))
		case <-time.After(500 * time.Millisecond):
		}
		now := time.Now()
		skews := prom.series(t, ctx, `job:clockwatch_offset_seconds:skew{job="clockwatch"}[30s]`, now)
		offsets := prom.series(t, ctx, `clockwatch_offset_seconds{job="clockwatch"}[30s]`, now)
		if len(skews) == 1 && len(offsets) == len(agents) {
			var ok bool
			if got, candidates, ok = latestCovered(skews[0].Values, offsets, start, now); ok {
				break
			}
		}
	}
	time.Sleep(readingMargin)
	readings := rec.stop()
	inputs, ok := inputsOf(float64(got.Value), candidates)
	if !ok {
		t.Fatalf("fleet skew %g s at %s is max - min of no combination of the offsets scraped before it: %v",
			got.Value, got.Timestamp.Time().Format(time.StampMicro), candidates)
	}

	// Each agent's value at its scrape lies within what it reported just
	// before and after: the fleet skew must lie within the spread of those.
	lows, highs := make([]float64, 0, len(agents)), make([]float64, 0, len(agents))
	var scraped []float64
	within := 0
	for _, a := range agents {
		in, ok := inputs["127.0.0.1:"+portOf(a.addr)]
		if !ok {
			t.Fatalf("no scraped offset of agent %s", a.addr)
		}
		lo, hi, err := readings[a].around(in.Timestamp.Time())
		if err != nil {
			t.Fatalf("agent %s: %v", a.addr, err)
		}
		t.Logf("agent %s: Prometheus scraped %+.9f s at %s; the agent reported %+.9f..%+.9f s around then",
			a.addr, float64(in.Value), in.Timestamp.Time().Format(time.StampMicro), lo, hi)
		if v := float64(in.Value); v < lo-tolerance || v > hi+tolerance {
			t.Errorf("agent %s: Prometheus scraped offset %g, the agent reported %g..%g around then", a.addr, v, lo, hi)
		}
		lows, highs, scraped = append(lows, lo), append(highs, hi), append(scraped, float64(in.Value))
		if s := readings[a].nearest(in.Timestamp.Time()); math.Abs(s.OffsetSeconds)-s.ErrorBoundSeconds <= slo {
			within++
		}
	}
	minSkew := slices.Max(lows) - slices.Min(highs)
	maxSkew := slices.Max(highs) - slices.Min(lows)
	t.Logf("recorded fleet skew %.9f s at %s; the agents' own reports put it in %.9f..%.9f s",
		got.Value, got.Timestamp.Time().Format(time.StampMicro), minSkew, maxSkew)
	if v := float64(got.Value); v < minSkew-tolerance || v > maxSkew+tolerance {
		t.Errorf("fleet skew %g s, want %g..%g s from the agents' /api/v1/status", v, minSkew, maxSkew)
	}
	if slices.Max(scraped) == slices.Min(scraped) {
		t.Error("the agents' scraped offsets are all equal: the test cannot tell max - min from a constant")
	}

	// The other fleet SLIs, evaluated at the same instant.
	for _, tc := range []struct {
		query string
		want  float64
	}{
		{`job:clockwatch_hosts:count{job="clockwatch"}`, float64(len(agents))},
		{`job:clockwatch_unsynchronized:count{job="clockwatch"}`, 0},
		{`job:clockwatch_offset_within_slo:ratio{job="clockwatch"}`, float64(within) / float64(len(agents))},
	} {
		if v := prom.value(t, ctx, tc.query, got.Timestamp.Time()); math.Abs(v-tc.want) > 1e-12 {
			t.Errorf("%s = %g, want %g from the agents' reports", tc.query, v, tc.want)
		}
	}

	prom.checkRulesHealthy(t, ctx)
}

// tolerance absorbs the offset's drift between an agent's report and the
// scrape (15 ppm over a few ms) and rounding in JSON and the text format.
const tolerance = 1e-6

// latestCovered returns the newest recorded sample whose possible inputs
// were all scraped at least readingMargin inside from..to, together with
// those candidates by instance. A rule evaluated at a sample's time read,
// of each offset series, the newest sample at or before it, or the one
// before that when the newer scrape was still being appended (a scrape's
// timestamp is its start): both are candidates, newest first. A sample
// recorded before every series had two scrapes is never chosen.
func latestCovered(recorded []model.SamplePair, offsets model.Matrix, from, to time.Time) (model.SamplePair, map[string][]model.SamplePair, bool) {
	inside := func(p model.SamplePair) bool {
		at := p.Timestamp.Time()
		return !at.Before(from.Add(readingMargin)) && !at.After(to.Add(-readingMargin))
	}
	for i := len(recorded) - 1; i >= 0; i-- {
		r := recorded[i]
		candidates := map[string][]model.SamplePair{}
		for _, s := range offsets {
			// s.Values[:j] are at or before r.
			j := sort.Search(len(s.Values), func(k int) bool { return s.Values[k].Timestamp.After(r.Timestamp) })
			if j < 2 || !inside(s.Values[j-1]) || !inside(s.Values[j-2]) {
				break
			}
			candidates[string(s.Metric["instance"])] = []model.SamplePair{s.Values[j-1], s.Values[j-2]}
		}
		if len(candidates) == len(offsets) {
			return r, candidates, true
		}
	}
	return model.SamplePair{}, nil, false
}

// inputsOf returns the combination of candidate inputs (one per instance)
// whose max - min is skew, if there is one.
func inputsOf(skew float64, candidates map[string][]model.SamplePair) (map[string]model.SamplePair, bool) {
	instances := slices.Sorted(maps.Keys(candidates))
	chosen := map[string]model.SamplePair{}
	var try func(k int) bool
	try = func(k int) bool {
		if k == len(instances) {
			var values []float64
			for _, p := range chosen {
				values = append(values, float64(p.Value))
			}
			return math.Abs(slices.Max(values)-slices.Min(values)-skew) <= 1e-12
		}
		for _, p := range candidates[instances[k]] {
			chosen[instances[k]] = p
			if try(k + 1) {
				return true
			}
		}
		return false
	}
	return chosen, try(0)
}

// readingMargin is how far either side of a scrape the agent's own reports
// are taken to bracket the value Prometheus read.
const readingMargin = 300 * time.Millisecond

// statusLog is one agent's reports, in time order.
type statusLog []agentStatus

// around returns the lowest and highest offset the agent reported within
// readingMargin of t, and the reports just before and after t.
func (l statusLog) around(t time.Time) (lo, hi float64, err error) {
	i, _ := slices.BinarySearchFunc(l, t, func(s agentStatus, t time.Time) int { return s.Time.Compare(t) })
	if i == 0 || i == len(l) {
		return 0, 0, fmt.Errorf("no reports on both sides of the scrape at %s", t)
	}
	lo, hi = math.Inf(1), math.Inf(-1)
	for j, s := range l {
		near := s.Time.Sub(t).Abs() <= readingMargin
		if !near && j != i-1 && j != i {
			continue
		}
		if !s.Synchronized {
			return 0, 0, fmt.Errorf("unsynchronized at %s", s.Time)
		}
		lo, hi = min(lo, s.OffsetSeconds), max(hi, s.OffsetSeconds)
	}
	return lo, hi, nil
}

// nearest returns the report closest in time to t.
func (l statusLog) nearest(t time.Time) agentStatus {
	best := l[0]
	for _, s := range l {
		if s.Time.Sub(t).Abs() < best.Time.Sub(t).Abs() {
			best = s
		}
	}
	return best
}

// statusRecorder polls every agent's /api/v1/status every 20 ms.
type statusRecorder struct {
	cancel context.CancelFunc
	wg     sync.WaitGroup
	mu     sync.Mutex
	logs   map[*demoAgent]statusLog
}

func recordStatuses(ctx context.Context, agents []*demoAgent) *statusRecorder {
	ctx, cancel := context.WithCancel(ctx)
	r := &statusRecorder{cancel: cancel, logs: map[*demoAgent]statusLog{}}
	for _, a := range agents {
		r.wg.Go(func() {
			for ctx.Err() == nil {
				if s, err := a.status(ctx); err == nil {
					r.mu.Lock()
					r.logs[a] = append(r.logs[a], s)
					r.mu.Unlock()
				}
				select {
				case <-ctx.Done():
				case <-time.After(20 * time.Millisecond):
				}
			}
		})
	}
	return r
}

// stop ends the recording and returns every agent's reports.
func (r *statusRecorder) stop() map[*demoAgent]statusLog {
	r.cancel()
	r.wg.Wait()
	return r.logs
}

// promServer is a Prometheus started by a test.
type promServer struct {
	api promv1.API
	log *bytes.Buffer
}

// startPrometheus starts Prometheus on a free loopback port with a temporary
// data directory, scraping agents every second as job "clockwatch" and
// evaluating ruleFiles every second. It is stopped when the test ends.
func startPrometheus(t *testing.T, binary string, agents []*demoAgent) *promServer {
	t.Helper()
	dir := t.TempDir()
	var rules, targets []string
	for _, f := range ruleFiles {
		abs, err := filepath.Abs(f)
		if err != nil {
			t.Fatal(err)
		}
		rules = append(rules, fmt.Sprintf("%q", abs))
	}
	for _, a := range agents {
		targets = append(targets, fmt.Sprintf("%q", a.addr))
	}
	config := fmt.Sprintf(`global:
  scrape_interval: 1s
  scrape_timeout: 900ms
  evaluation_interval: 1s
rule_files: [%s]
scrape_configs:
  - job_name: clockwatch
    static_configs:
      - targets: [%s]
`, strings.Join(rules, ", "), strings.Join(targets, ", "))
	configFile := filepath.Join(dir, "prometheus.yml")
	if err := os.WriteFile(configFile, []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	addr := freeLoopbackAddress(t)
	log := &bytes.Buffer{}
	cmd := exec.Command(binary,
		"--config.file="+configFile,
		"--storage.tsdb.path="+filepath.Join(dir, "data"),
		"--web.listen-address="+addr,
		"--log.level=warn")
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("prometheus log:\n%s", log)
		}
	})
	if err := waitReady(addr); err != nil {
		t.Fatalf("prometheus: %v\n%s", err, log)
	}
	client, err := api.NewClient(api.Config{Address: "http://" + addr})
	if err != nil {
		t.Fatal(err)
	}
	return &promServer{api: promv1.NewAPI(client), log: log}
}

// waitReady polls Prometheus' readiness endpoint for up to 30 seconds.
func waitReady(addr string) error {
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get("http://" + addr + "/-/ready")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("not ready on %s after 30s (last error: %v)", addr, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// freeLoopbackAddress returns a loopback address with a port free now, for
// programs that cannot be told to pick one.
func freeLoopbackAddress(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// portOf returns the port of a host:port address.
func portOf(addr string) string {
	_, port, _ := net.SplitHostPort(addr)
	return port
}

// series evaluates a range-vector query at t and returns its raw samples.
func (p *promServer) series(t *testing.T, ctx context.Context, query string, at time.Time) model.Matrix {
	t.Helper()
	v, warnings, _, err := p.api.Query(ctx, query, at)
	if err != nil {
		t.Fatalf("query %s: %v", query, err)
	}
	if len(warnings) > 0 {
		t.Logf("query %s: warnings %v", query, warnings)
	}
	m, ok := v.(model.Matrix)
	if !ok {
		t.Fatalf("query %s: got %s, want a matrix", query, v.Type())
	}
	return m
}

// value evaluates an instant query that must return one sample.
func (p *promServer) value(t *testing.T, ctx context.Context, query string, at time.Time) float64 {
	t.Helper()
	v, _, _, err := p.api.Query(ctx, query, at)
	if err != nil {
		t.Fatalf("query %s: %v", query, err)
	}
	vec, ok := v.(model.Vector)
	if !ok || len(vec) != 1 {
		t.Fatalf("query %s: got %v, want one sample", query, v)
	}
	return float64(vec[0].Value)
}

// checkRulesHealthy checks that Prometheus loaded every rule group of
// ruleFiles and that no rule failed to evaluate (a many-to-many match or a
// bad regexp only shows up here, on real series).
func (p *promServer) checkRulesHealthy(t *testing.T, ctx context.Context) {
	t.Helper()
	rules, err := p.api.Rules(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, g := range rules.Groups {
		for _, r := range g.Rules {
			n++
			switch r := r.(type) {
			case promv1.RecordingRule:
				if r.Health == promv1.RuleHealthBad {
					t.Errorf("recording rule %s: %s", r.Name, r.LastError)
				}
			case promv1.AlertingRule:
				if r.Health == promv1.RuleHealthBad {
					t.Errorf("alerting rule %s: %s", r.Name, r.LastError)
				}
			}
		}
	}
	if want := countRules(t); n != want {
		t.Errorf("prometheus loaded %d rules, the rule files have %d", n, want)
	}
}
