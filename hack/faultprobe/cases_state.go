//go:build linux

package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// oversizedStateFile (item 9): a 1.5 GB state file is refused without
// being read: the agent starts at once, small.
func oversizedStateFile(ctx context.Context, p *probe) (string, error) {
	state := filepath.Join(p.dir, "state.json")
	f, err := os.Create(state)
	if err != nil {
		return "", err
	}
	if _, err := f.WriteString(`{"version":1,"drift_ppm":1,"pad":"`); err != nil {
		return "", err
	}
	if err := f.Truncate(1500 << 20); err != nil { // sparse: costs no disk
		return "", err
	}
	f.Close()
	srv, args, err := servers(1)
	if err != nil {
		return "", err
	}
	defer closeAll(srv)
	start := time.Now()
	a, err := startAgent(ctx, p.binary, append(args, "--poll.interval=1s", "--state.dir", p.dir, "--shm.path=")...)
	if err != nil {
		return "", err
	}
	defer a.stop()
	took := time.Since(start)
	u, err := a.usage()
	if err != nil {
		return "", err
	}
	if u.rssKiB > 100<<10 {
		return "", fmt.Errorf("the agent holds %v after reading a 1.5 GB state file", u)
	}
	if !strings.Contains(a.log(), "larger than") {
		return "", fmt.Errorf("no warning about the state file's size")
	}
	return fmt.Sprintf("refused with a warning; serving after %v at %v", took.Round(time.Millisecond), u), nil
}

// stateAbsurdKernelFrequency (item 10): a state file with an impossible
// kernel frequency is not used, and the log says so.
func stateAbsurdKernelFrequency(ctx context.Context, p *probe) (string, error) {
	state := `{"version":1,"drift_ppm":3,"drift_bound_ppm":0.1,"kernel_frequency_ppm":1e9}`
	if err := os.WriteFile(filepath.Join(p.dir, "state.json"), []byte(state), 0o644); err != nil {
		return "", err
	}
	a, stop, err := stateAgent(ctx, p, p.dir)
	if err != nil {
		return "", err
	}
	defer stop()
	log := a.log()
	if strings.Contains(log, "warm start from saved state") || !strings.Contains(log, "impossible kernel frequency") {
		return "", fmt.Errorf("the absurd kernel frequency was not refused: %s", a.lastLog())
	}
	return "refused: impossible kernel frequency; cold start", nil
}

// stateSaveFailsHonestly (item 10): when saving the state fails, the log
// says the old file stays, not that the next start will be cold.
func stateSaveFailsHonestly(ctx context.Context, p *probe) (string, error) {
	dir := filepath.Join(p.dir, "tmpfs")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, "size=16k"); err != nil {
		return "", skipf("mount a 16 KiB tmpfs: %v (needs root)", err)
	}
	defer syscall.Unmount(dir, syscall.MNT_DETACH)
	if err := fill(filepath.Join(dir, "filler")); err != nil {
		return "", err
	}
	a, stop, err := stateAgent(ctx, p, dir)
	if err != nil {
		return "", err
	}
	defer stop()
	for end := time.Now().Add(20 * time.Second); time.Now().Before(end); time.Sleep(500 * time.Millisecond) {
		log := a.log()
		if strings.Contains(log, "will be cold") {
			return "", fmt.Errorf("the log claims the next start will be cold")
		}
		if strings.Contains(log, "saving state failed") {
			return "saving failed on a full disk; the log says the last state saved stays", nil
		}
	}
	return "", fmt.Errorf("no log of the failed save in 20s")
}

// stateAgent starts an agent keeping its state in dir, with one server.
func stateAgent(ctx context.Context, p *probe, dir string) (*agent, func(), error) {
	srv, args, err := servers(1)
	if err != nil {
		return nil, nil, err
	}
	a, err := startAgent(ctx, p.binary, append(args, "--poll.interval=1s", "--state.dir", dir, "--shm.path=")...)
	if err != nil {
		closeAll(srv)
		return nil, nil, err
	}
	return a, func() { a.stop(); closeAll(srv) }, nil
}
