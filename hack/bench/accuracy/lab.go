package main

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"time"
)

// options are the command line.
type options struct {
	duration, warmup time.Duration
	floor            time.Duration
	// outageAfter, when positive, is how long the long-outage scenarios
	// poll before their outage (see scenarios).
	outageAfter time.Duration
	clockwatch  string
	faketime    string
	seed        uint64
	check, keep bool
	// serverStamps is "kernel" (kernel timestamps moved onto the shifted
	// clock) or "user" (kernel timestamps refused; chronyd stamps in user
	// space).
	serverStamps string
	scenarios    []string
}

// lab is the work directory and the tools every run uses.
type lab struct {
	opts options
	dir  string
	// shim is the compiled LD_PRELOAD shim that makes the servers stamp
	// packets on their shifted clock.
	shim string
}

// shimSources are the shims' C sources, relative to the repository root,
// by the -server-stamps value that picks them.
var shimSources = map[string]string{
	"kernel": "hack/netem/shim/shifted_kernel_timestamps.c",
	"user":   "hack/netem/shim/no_kernel_timestamps.c",
}

// newLab makes the work directory, compiles the shim and, unless given,
// builds clockwatch.
func newLab(ctx context.Context, opts options) (*lab, error) {
	for _, tool := range []string{"chronyd", "chronyc", "gcc"} {
		if _, err := exec.LookPath(tool); err != nil {
			return nil, fmt.Errorf("%s not found (Debian: apt-get install chrony build-essential libfaketime)", tool)
		}
	}
	if _, err := os.Stat(opts.faketime); err != nil {
		return nil, fmt.Errorf("libfaketime: %w (Debian: apt-get install libfaketime, or pass -libfaketime)", err)
	}
	source, ok := shimSources[opts.serverStamps]
	if !ok {
		return nil, fmt.Errorf("-server-stamps %q: want kernel or user", opts.serverStamps)
	}
	dir, err := os.MkdirTemp("", "clockwatch-accuracy-")
	if err != nil {
		return nil, err
	}
	l := &lab{opts: opts, dir: dir, shim: filepath.Join(dir, "shim.so")}
	if err := l.command(ctx, "gcc", "-shared", "-fPIC", "-O2", "-o", l.shim, source, "-ldl"); err != nil {
		return nil, fmt.Errorf("compile the shim (run from the repository root): %w", err)
	}
	if l.opts.clockwatch == "" && !opts.check {
		l.opts.clockwatch = filepath.Join(dir, "clockwatch")
		if err := l.command(ctx, "go", "build", "-o", l.opts.clockwatch, "./cmd/clockwatch"); err != nil {
			return nil, fmt.Errorf("build clockwatch: %w", err)
		}
	}
	return l, nil
}

// command runs a build step, showing its output on failure.
func (l *lab) command(ctx context.Context, name string, args ...string) error {
	out, err := exec.CommandContext(ctx, name, args...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s: %w\n%s", name, err, out)
	}
	return nil
}

// close removes the work directory unless asked to keep it.
func (l *lab) close() {
	if l.opts.keep {
		fmt.Println("work directory kept:", l.dir)
		return
	}
	os.RemoveAll(l.dir)
}

// subdir makes a private directory in the lab (chronyd refuses command
// sockets in directories others may write).
func (l *lab) subdir(name string) (string, error) {
	d := filepath.Join(l.dir, name)
	if err := os.MkdirAll(d, 0o700); err != nil {
		return "", err
	}
	return d, os.Chmod(d, 0o700)
}

// freePort returns a loopback UDP or TCP port that was free a moment ago.
func freePort(network string) (int, error) {
	switch network {
	case "udp":
		c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
		if err != nil {
			return 0, err
		}
		defer c.Close()
		return c.LocalAddr().(*net.UDPAddr).Port, nil
	default:
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return 0, err
		}
		defer l.Close()
		return l.Addr().(*net.TCPAddr).Port, nil
	}
}

// process is a child process the lab started and must stop.
type process struct {
	name string
	cmd  *exec.Cmd
	done chan struct{}
}

// startProcess starts a child with its output in the lab's log file name.log.
func (l *lab) startProcess(name string, env []string, args ...string) (*process, error) {
	log, err := os.Create(filepath.Join(l.dir, name+".log"))
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		log.Close()
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	p := &process{name: name, cmd: cmd, done: make(chan struct{})}
	go func() {
		cmd.Wait()
		log.Close()
		close(p.done)
	}()
	return p, nil
}

// stop ends the process: SIGTERM, then SIGKILL if it lingers.
func (p *process) stop() {
	p.cmd.Process.Signal(os.Interrupt)
	select {
	case <-p.done:
	case <-time.After(3 * time.Second):
		p.cmd.Process.Kill()
		<-p.done
	}
}

// exited reports whether the process has ended.
func (p *process) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}
