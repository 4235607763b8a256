//go:build linux

package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// warmStartWrongDrift (item 1): a state file claiming a confident drift
// 490 ppm (then 50 ppm) off, three honest servers: the bound must cover
// the true offset (0) in every synchronized reading from the first.
func warmStartWrongDrift(ctx context.Context, p *probe) (string, error) {
	var saw []string
	for _, drift := range []float64{490, -50} {
		dir := filepath.Join(p.dir, fmt.Sprint(drift))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return "", err
		}
		state := fmt.Sprintf(`{"version":1,"drift_ppm":%g,"drift_bound_ppm":0.001}`, drift)
		if err := os.WriteFile(filepath.Join(dir, "state.json"), []byte(state), 0o644); err != nil {
			return "", err
		}
		srv, args, err := servers(3)
		if err != nil {
			return "", err
		}
		defer closeAll(srv)
		a, err := startAgent(ctx, p.binary, append(args, "--poll.interval=1s", "--state.dir", dir, "--shm.path=")...)
		if err != nil {
			return "", err
		}
		window := p.window(3*time.Minute, 40*time.Second)
		readings, missed, _, worst, err := a.watchBound(ctx, window, 250*time.Millisecond, time.Hour, 0)
		a.stop()
		switch {
		case err != nil:
			return "", err
		case readings == 0:
			return "", fmt.Errorf("saved drift %+g ppm: never synchronized in %v", drift, window)
		case missed > 0:
			return "", fmt.Errorf("saved drift %+g ppm: %d of %d synchronized readings missed the true offset, worst by %.0f×", drift, missed, readings, worst)
		}
		saw = append(saw, fmt.Sprintf("%+g ppm: %d/%d covered", drift, readings, readings))
	}
	return fmt.Sprintf("saved drift %s over %v each", strings.Join(saw, ", "), p.window(3*time.Minute, 40*time.Second)), nil
}

// flappingServer (item 7): one server jumping ±0.5 s and back every 3–5 s
// among three good ones: after the first minute the bound is the good
// servers' (under 1 ms) in nearly every reading, and always covers.
func flappingServer(ctx context.Context, p *probe) (string, error) {
	good, args, err := servers(3)
	if err != nil {
		return "", err
	}
	defer closeAll(good)
	start := time.Now()
	flapper, err := startServer(func(now time.Time) time.Duration {
		phase := int(now.Sub(start) / (4 * time.Second))
		return [...]time.Duration{0, 500 * time.Millisecond, 0, -500 * time.Millisecond}[phase%4]
	}, nil)
	if err != nil {
		return "", err
	}
	defer flapper.close()
	a, err := startAgent(ctx, p.binary, append(args, "--ntp.server", flapper.addr(), "--poll.interval=1s", "--state.dir=", "--shm.path=")...)
	if err != nil {
		return "", err
	}
	defer a.stop()
	time.Sleep(time.Minute)
	window := p.window(3*time.Minute, time.Minute)
	readings, missed, wide, worst, err := a.watchBound(ctx, window, 250*time.Millisecond, time.Millisecond, 0)
	switch {
	case err != nil:
		return "", err
	case readings == 0:
		return "", fmt.Errorf("never synchronized")
	case missed > 0:
		return "", fmt.Errorf("%d of %d readings missed the true offset, worst by %.0f×", missed, readings, worst)
	case float64(wide) > 0.05*float64(readings):
		return "", fmt.Errorf("bound over 1 ms in %d of %d readings after the first minute", wide, readings)
	}
	return fmt.Sprintf("after the first minute, %d of %d readings under 1 ms, all covered", readings-wide, readings), nil
}
