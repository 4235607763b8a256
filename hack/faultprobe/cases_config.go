//go:build linux

package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// refused runs the agent with args and expects it to exit at once with an
// error saying want.
func refused(ctx context.Context, p *probe, want string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, p.binary, args...).CombinedOutput()
	if err == nil || ctx.Err() != nil {
		return "", fmt.Errorf("accepted (%v): %s", err, lastLine(string(out)))
	}
	if !strings.Contains(string(out), want) {
		return "", fmt.Errorf("refused without saying %q: %s", want, lastLine(string(out)))
	}
	return "refused: " + lastLine(string(out)), nil
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}

// configFile writes a configuration file into the case's directory.
func configFile(p *probe, content string) (string, error) {
	path := filepath.Join(p.dir, "clockwatch.yml")
	return path, os.WriteFile(path, []byte(content), 0o644)
}

// configSecondDocument (item 10): a second YAML document is an error, not
// silently ignored.
func configSecondDocument(ctx context.Context, p *probe) (string, error) {
	path, err := configFile(p, "ntp:\n  servers: [127.0.0.1]\n---\nholdover:\n  max: 1m\n")
	if err != nil {
		return "", err
	}
	return refused(ctx, p, "second YAML document", "run", "--config.file", path, "--state.dir=", "--shm.path=")
}

// configZeroHoldover (item 10): holdover.max: 0s is an error, not 30m.
func configZeroHoldover(ctx context.Context, p *probe) (string, error) {
	path, err := configFile(p, "ntp:\n  servers: [127.0.0.1]\nholdover:\n  max: 0s\n")
	if err != nil {
		return "", err
	}
	return refused(ctx, p, "holdover.max", "run", "--config.file", path, "--state.dir=", "--shm.path=")
}

// responderNaNRate (item 10): an invalid rate limit is refused at start.
func responderNaNRate(ctx context.Context, p *probe) (string, error) {
	return refused(ctx, p, "responder.rate-limit", "run", "--ntp.server=127.0.0.1", "--responder.listen-address=127.0.0.1:0",
		"--responder.rate-limit=NaN", "--state.dir=", "--shm.path=")
}
