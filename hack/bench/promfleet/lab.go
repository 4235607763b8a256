package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"time"
)

// poll is the simulated agents' poll interval (the agent's default), the
// simulator's round.
const poll = 16 * time.Second

// lab is the simulated fleet and the Prometheus that scrapes it.
type lab struct {
	dir               string
	keep              bool
	fleet, server     *exec.Cmd
	fleetURL, promURL string
	prom              *promClient
	version           string
}

// startLab builds and starts the simulated fleet, then a Prometheus that
// scrapes it with the project's rules, and waits for both.
func startLab(ctx context.Context, o options) (l *lab, err error) {
	dir, err := os.MkdirTemp("", "promfleet-")
	if err != nil {
		return nil, err
	}
	l = &lab{dir: dir, keep: o.keep}
	defer func() {
		if err != nil {
			l.close()
		}
	}()
	if err := l.startFleet(ctx, o); err != nil {
		return nil, err
	}
	if err := l.startPrometheus(ctx, o); err != nil {
		return nil, err
	}
	return l, nil
}

// startFleet runs internal/fleetsim in real time, serving its agents, with
// a few hosts 10 ms off so that alerts fire and the tables have rows, at
// nice o.fleetNice.
func (l *lab) startFleet(ctx context.Context, o options) error {
	binary := filepath.Join(l.dir, "fleetsim")
	build := exec.CommandContext(ctx, "go", "build", "-o", binary, "./internal/fleetsim")
	if out, err := build.CombinedOutput(); err != nil {
		return fmt.Errorf("build ./internal/fleetsim (run promfleet from the repository's root): %v\n%s", err, out)
	}
	addr, err := freeAddress()
	if err != nil {
		return err
	}
	rounds := int((o.duration+15*time.Minute)/poll) + 1
	// nice(1) execs the fleet in its own process, so every thread the Go
	// runtime starts inherits the nice value, and the sampled pid is the
	// fleet's.
	l.fleet = exec.Command("nice", "-n", strconv.Itoa(o.fleetNice), binary, "--serve", addr, "--hosts", strconv.Itoa(o.hosts), "--rounds", strconv.Itoa(rounds),
		"--faulty-hosts", strconv.Itoa(max(1, o.hosts/1000)), "--fault-offset", "10ms", "--fault-round", "2", "--rotate", o.rotate.String())
	if err := l.start(l.fleet, "fleetsim.log"); err != nil {
		return err
	}
	l.fleetURL = "http://" + addr
	targets, err := waitFor(ctx, l.fleetURL+"/targets.json", 5*time.Minute)
	if err != nil {
		return fmt.Errorf("fleetsim: %w (see %s)", err, filepath.Join(l.dir, "fleetsim.log"))
	}
	return os.WriteFile(filepath.Join(l.dir, "targets.json"), targets, 0o644)
}

// startPrometheus writes the configuration (the project's rule files, the
// fleet as file_sd targets, deploy/prometheus/prometheus.yml's intervals
// and, with --metric-relabel, its metric_relabel_configs) and runs
// Prometheus on it.
func (l *lab) startPrometheus(ctx context.Context, o options) error {
	rules := make([]string, 0, 2)
	for _, f := range []string{"deploy/prometheus/recording_rules.yml", "deploy/prometheus/alerting_rules.yml"} {
		abs, err := filepath.Abs(f)
		if err != nil {
			return err
		}
		if _, err := os.Stat(abs); err != nil {
			return fmt.Errorf("%w (run promfleet from the repository's root)", err)
		}
		rules = append(rules, abs)
	}
	config, err := newPromConfig(rules, filepath.Join(l.dir, "targets.json"), o.relabel)
	if err != nil {
		return err
	}
	configFile := filepath.Join(l.dir, "prometheus.yml")
	if err := os.WriteFile(configFile, config, 0o644); err != nil {
		return err
	}
	addr, err := freeAddress()
	if err != nil {
		return err
	}
	l.server = exec.Command(o.prometheus, "--config.file", configFile, "--storage.tsdb.path", filepath.Join(l.dir, "data"),
		"--web.listen-address", addr, "--log.level", "warn")
	if err := l.start(l.server, "prometheus.log"); err != nil {
		return fmt.Errorf("%w (install Debian's prometheus, or give --prometheus)", err)
	}
	l.promURL = "http://" + addr
	if _, err := waitFor(ctx, l.promURL+"/-/ready", 2*time.Minute); err != nil {
		return fmt.Errorf("prometheus: %w (see %s)", err, filepath.Join(l.dir, "prometheus.log"))
	}
	l.prom = &promClient{base: l.promURL, http: &http.Client{Timeout: 5 * time.Minute}}
	var info struct {
		Version string `json:"version"`
	}
	if err := l.prom.get(ctx, "/api/v1/status/buildinfo", nil, &info); err != nil {
		return err
	}
	l.version = info.Version
	return nil
}

// start starts cmd with its output in the lab's file name.
func (l *lab) start(cmd *exec.Cmd, name string) error {
	log, err := os.Create(filepath.Join(l.dir, name))
	if err != nil {
		return err
	}
	cmd.Stdout, cmd.Stderr = log, log
	return cmd.Start()
}

// close stops what the lab started and removes its directory unless it
// is kept.
func (l *lab) close() {
	stop(l.server)
	stop(l.fleet)
	if l.keep {
		fmt.Fprintf(os.Stderr, "promfleet: kept %s\n", l.dir)
		return
	}
	_ = os.RemoveAll(l.dir)
}

// freeAddress returns a loopback address with a port free now.
func freeAddress() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// waitFor GETs url until it answers 200, and returns the body.
func waitFor(ctx context.Context, url string, limit time.Duration) ([]byte, error) {
	deadline := time.Now().Add(limit)
	var last error
	for time.Now().Before(deadline) {
		resp, err := http.Get(url)
		if err == nil {
			body, readErr := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK && readErr == nil {
				return body, nil
			}
			err = fmt.Errorf("%s: %s", url, resp.Status)
		}
		last = err
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(time.Second):
		}
	}
	return nil, errors.Join(fmt.Errorf("%s not ready within %v", url, limit), last)
}

// stop interrupts cmd, if it runs, and waits for it to end, killing it
// after 30 s. A command stopped already is left as it is.
func stop(cmd *exec.Cmd) {
	if cmd == nil || cmd.Process == nil || cmd.ProcessState != nil {
		return
	}
	_ = cmd.Process.Signal(os.Interrupt)
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		_ = cmd.Process.Kill()
		<-done
	}
}
