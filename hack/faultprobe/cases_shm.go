//go:build linux

package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/clockwatch/clockwatch/logicaltime"
)

// readerEnv makes the probe a shared-memory reader: it reads the clock
// file the variable names for readerFor, then says what it saw.
const readerEnv = "FAULTPROBE_READER"

// readerFor is how long a reader reads.
const readerFor = 8 * time.Second

// runReader is the reader process: it calls Now every 10 ms and prints how
// many readings succeeded and failed. A SIGBUS would kill it.
func runReader(path string) {
	var ok, failed int
	clock, err := logicaltime.OpenBounded(path)
	for end := time.Now().Add(readerFor); time.Now().Before(end); time.Sleep(10 * time.Millisecond) {
		if err != nil {
			failed++
			clock, err = logicaltime.OpenBounded(path)
			continue
		}
		if _, err := clock.Now(); err != nil {
			failed++
		} else {
			ok++
		}
	}
	fmt.Printf("%d readings, %d errors\n", ok, failed)
}

// shmAgent starts an agent publishing to path with one honest server.
func shmAgent(ctx context.Context, p *probe, path string) (*agent, func(), error) {
	srv, args, err := servers(1)
	if err != nil {
		return nil, nil, err
	}
	a, err := startAgent(ctx, p.binary, append(args, "--poll.interval=1s", "--state.dir=", "--shm.path", path)...)
	if err != nil {
		closeAll(srv)
		return nil, nil, err
	}
	return a, func() { a.stop(); closeAll(srv) }, nil
}

// shmTruncated (item 2): truncating the clock file under a running agent
// and a reader crashes neither.
func shmTruncated(ctx context.Context, p *probe) (string, error) {
	path := filepath.Join(p.dir, "clock")
	a, stop, err := shmAgent(ctx, p, path)
	if err != nil {
		return "", err
	}
	defer stop()
	self, err := os.Executable()
	if err != nil {
		return "", err
	}
	reader := exec.Command(self)
	reader.Env = append(os.Environ(), readerEnv+"="+path)
	var out bytes.Buffer
	reader.Stdout, reader.Stderr = &out, &out
	if err := reader.Start(); err != nil {
		return "", err
	}
	time.Sleep(2 * time.Second)
	for range 2 {
		if err := os.Truncate(path, 0); err != nil {
			return "", err
		}
		time.Sleep(2 * time.Second)
	}
	readerErr := reader.Wait()
	if alive, how := a.alive(); !alive {
		return "", fmt.Errorf("the agent died after the truncation: %s", how)
	}
	if readerErr != nil {
		return "", fmt.Errorf("the reader died: %v: %s", readerErr, strings.TrimSpace(out.String()))
	}
	return fmt.Sprintf("truncated twice: agent alive, reader alive (%s)", strings.TrimSpace(out.String())), nil
}

// shmFullFilesystem (item 3): the clock file on a full filesystem is a
// warning at start, never a crash.
func shmFullFilesystem(ctx context.Context, p *probe) (string, error) {
	dir := filepath.Join(p.dir, "tmpfs")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, "size=64k"); err != nil {
		return "", skipf("mount a 64 KiB tmpfs: %v (needs root)", err)
	}
	defer syscall.Unmount(dir, syscall.MNT_DETACH)
	if err := fill(filepath.Join(dir, "filler")); err != nil {
		return "", err
	}
	a, stop, err := shmAgent(ctx, p, filepath.Join(dir, "clock"))
	if err != nil {
		return "", fmt.Errorf("the agent did not start: %w", err)
	}
	defer stop()
	time.Sleep(3 * time.Second)
	if alive, how := a.alive(); !alive {
		return "", fmt.Errorf("the agent died: %s", how)
	}
	if !strings.Contains(a.log(), "no space left on device") {
		return "", fmt.Errorf("no warning about the full filesystem in the log")
	}
	return "agent started without shared memory and warned: no space left on device", nil
}

// fill writes path until its filesystem is full.
func fill(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	block := make([]byte, 4096)
	for {
		if _, err := f.Write(block); err != nil {
			if errors.Is(err, syscall.ENOSPC) {
				return nil
			}
			return err
		}
	}
}

// shmSymlink (item 4): a symbolic link at the clock file's path is refused
// before anything is changed: the target keeps its mode and contents.
func shmSymlink(ctx context.Context, p *probe) (string, error) {
	target := filepath.Join(p.dir, "precious")
	if err := os.WriteFile(target, nil, 0o600); err != nil {
		return "", err
	}
	link := filepath.Join(p.dir, "clock")
	if err := os.Symlink(target, link); err != nil {
		return "", err
	}
	a, stop, err := shmAgent(ctx, p, link)
	if err != nil {
		return "", fmt.Errorf("the agent did not start: %w", err)
	}
	defer stop()
	time.Sleep(2 * time.Second)
	info, err := os.Stat(target)
	if err != nil {
		return "", err
	}
	if info.Mode().Perm() != 0o600 || info.Size() != 0 {
		return "", fmt.Errorf("the link's target changed: mode %v, %d bytes", info.Mode().Perm(), info.Size())
	}
	if alive, how := a.alive(); !alive {
		return "", fmt.Errorf("the agent died: %s", how)
	}
	return "link refused; target still 0600 and empty; agent running", nil
}
