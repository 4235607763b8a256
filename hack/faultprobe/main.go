//go:build linux

package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"text/tabwriter"
	"time"
)

// errSkip marks a case that cannot run here; its message says why.
var errSkip = errors.New("skip")

// skipf returns an error that SKIPs a case.
func skipf(format string, args ...any) error {
	return fmt.Errorf("%w: %s", errSkip, fmt.Sprintf(format, args...))
}

// probe is what every case gets: the binaries under test, a scratch
// directory of its own and how long to observe.
type probe struct {
	binary, traceBinary string
	dir                 string
	quick               bool
}

// window returns how long to observe: full unless -quick.
func (p *probe) window(full, quick time.Duration) time.Duration {
	if p.quick {
		return quick
	}
	return full
}

// faultCase is one probe: the item it replays, a name, and a run
// that returns what it saw (PASS) or why it failed.
type faultCase struct {
	item, name string
	run        func(ctx context.Context, p *probe) (string, error)
}

func main() {
	if path := os.Getenv(readerEnv); path != "" {
		runReader(path)
		return
	}
	binary := flag.String("binary", "", "clockwatch binary to probe (default: build ./cmd/clockwatch and ./cmd/clockwatch-trace)")
	run := flag.String("run", "", "only the cases whose name matches this regular expression")
	quick := flag.Bool("quick", false, "shorter observation windows (minutes become tens of seconds)")
	soakFor := flag.Duration("soak", 0, "instead of the cases, soak an agent this long and print its RSS, open files and goroutines every -soak.interval")
	soakEvery := flag.Duration("soak.interval", 30*time.Second, "how often the soak samples")
	flag.Parse()
	var err error
	if *soakFor > 0 {
		err = soakBuilt(*binary, *soakFor, *soakEvery)
	} else {
		err = probeAll(*binary, *run, *quick)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "faultprobe:", err)
		os.Exit(1)
	}
}

// probeAll runs the selected cases and prints the table.
func probeAll(binary, only string, quick bool) error {
	filter, err := regexp.Compile(only)
	if err != nil {
		return fmt.Errorf("-run: %w", err)
	}
	scratch, err := os.MkdirTemp("", "faultprobe")
	if err != nil {
		return err
	}
	defer os.RemoveAll(scratch)
	p := &probe{binary: binary, quick: quick}
	if p.binary == "" {
		if p.binary, p.traceBinary, err = build(scratch); err != nil {
			return err
		}
	} else if trace, err := exec.LookPath(filepath.Join(filepath.Dir(binary), "clockwatch-trace")); err == nil {
		p.traceBinary = trace
	}
	var rows [][4]string
	failed := 0
	for _, c := range cases() {
		if !filter.MatchString(c.name) {
			continue
		}
		row := runCase(c, p, filepath.Join(scratch, c.name))
		fmt.Fprintf(os.Stderr, "faultprobe: %s: %s\n", c.name, row[2])
		if row[2] == "FAIL" {
			failed++
		}
		rows = append(rows, row)
	}
	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ITEM\tCASE\tRESULT\tWHAT IT SAW")
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", r[0], r[1], r[2], r[3])
	}
	tw.Flush()
	if failed > 0 {
		return fmt.Errorf("%d case(s) failed", failed)
	}
	return nil
}

// soakBuilt soaks binary, or ./cmd/clockwatch built for it.
func soakBuilt(binary string, d, interval time.Duration) error {
	if binary == "" {
		dir, err := os.MkdirTemp("", "faultprobe")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		if binary, _, err = build(dir); err != nil {
			return err
		}
	}
	return soak(binary, d, interval)
}

// runCase runs one case in its own scratch directory and returns its row
// of the table: item, name, PASS/FAIL/SKIP and what it saw.
func runCase(c faultCase, p *probe, dir string) [4]string {
	p.dir = dir
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return [4]string{c.item, c.name, "FAIL", err.Error()}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	saw, err := c.run(ctx, p)
	switch {
	case errors.Is(err, errSkip):
		return [4]string{c.item, c.name, "SKIP", strings.TrimPrefix(err.Error(), errSkip.Error()+": ")}
	case err != nil:
		return [4]string{c.item, c.name, "FAIL", err.Error()}
	}
	return [4]string{c.item, c.name, "PASS", saw}
}

// build compiles the agent and the trace tools into dir.
func build(dir string) (agent, trace string, err error) {
	agent = filepath.Join(dir, "clockwatch")
	if out, err := exec.Command("go", "build", "-o", agent, "./cmd/clockwatch").CombinedOutput(); err != nil {
		return "", "", fmt.Errorf("build ./cmd/clockwatch (run from the repository's root): %v\n%s", err, out)
	}
	trace = filepath.Join(dir, "clockwatch-trace")
	if _, err := os.Stat("cmd/clockwatch-trace"); err != nil {
		return agent, "", nil
	}
	if out, err := exec.Command("go", "build", "-o", trace, "./cmd/clockwatch-trace").CombinedOutput(); err != nil {
		return "", "", fmt.Errorf("build ./cmd/clockwatch-trace: %v\n%s", err, out)
	}
	return agent, trace, nil
}
