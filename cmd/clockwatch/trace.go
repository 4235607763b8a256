package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/alecthomas/kingpin/v2"
	"github.com/clockwatch/clockwatch/internal/cli"
)

// traceProgram is the program that `clockwatch trace ARGS...` runs as
// `clockwatch-trace ARGS...`, git-style: trace correction lives in a
// program of its own, so that the agent links neither OpenTelemetry's
// pdata nor the Prometheus query client.
const traceProgram = "clockwatch-trace"

// traceInstall says how to build traceProgram from a clone of the
// repository. `go install ...@latest` cannot: the main module replaces
// its logicaltime requirement with the directory beside it, and go
// install refuses modules with replace directives.
const traceInstall = "go build -o /usr/local/bin/ ./cmd/clockwatch-trace"

// registerTrace lists `clockwatch trace` in --help. The command itself
// never reaches kingpin: execute hands its arguments to runTrace as they
// are.
func registerTrace(app *kingpin.Application, _ map[string]cli.Runner) {
	app.Command("trace", "Trace timestamp correction: runs "+traceProgram+" with the same arguments (`clockwatch trace --help` lists its commands).")
}

// traceArgs returns the arguments that follow the command `trace` when
// args run it, after the logging flags clockwatch and clockwatch-trace
// share (--log.level LEVEL, --log.format=FORMAT), which go along.
func traceArgs(args []string) ([]string, bool) {
	for i := 0; i < len(args); i++ {
		switch a := args[i]; {
		case a == "trace":
			return append(append([]string{}, args[:i]...), args[i+1:]...), true
		case a == "--log.level" || a == "--log.format":
			i++ // its value follows
		case len(a) == 0 || a[0] != '-':
			return nil, false
		}
	}
	return nil, false
}

// runTrace runs clockwatch-trace with args and returns its exit status,
// passing standard input and output through and forwarding SIGINT and
// SIGTERM. When it is not installed it says how to install it.
func runTrace(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	path, err := findTrace()
	if err != nil {
		fmt.Fprintf(stderr, "clockwatch trace: %v\n", err)
		return 1
	}
	cmd := exec.Command(path, args...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = stdin, stdout, stderr
	if err := cmd.Start(); err != nil {
		fmt.Fprintf(stderr, "clockwatch trace: %v\n", err)
		return 1
	}
	signals := make(chan os.Signal, 1)
	signal.Notify(signals, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(signals)
	ctx, done := context.WithCancel(context.Background())
	defer done()
	go func() {
		for {
			select {
			case s := <-signals:
				_ = cmd.Process.Signal(s)
			case <-ctx.Done():
				return
			}
		}
	}()
	err = cmd.Wait()
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		return max(exit.ExitCode(), 1)
	case err != nil:
		fmt.Fprintf(stderr, "clockwatch trace: %v\n", err)
		return 1
	}
	return 0
}

// findTrace looks for clockwatch-trace beside this executable, then on
// PATH.
func findTrace() (string, error) {
	if self, err := os.Executable(); err == nil {
		beside := filepath.Join(filepath.Dir(self), traceProgram)
		if info, err := os.Stat(beside); err == nil && !info.IsDir() && info.Mode()&0o111 != 0 {
			return beside, nil
		}
	}
	if path, err := exec.LookPath(traceProgram); err == nil {
		return path, nil
	}
	return "", fmt.Errorf("trace correction is the separate program %s, found neither beside clockwatch nor on PATH: the release tarball, the .deb and the image ship it beside clockwatch; from a clone of the repository, %s", traceProgram, traceInstall)
}
