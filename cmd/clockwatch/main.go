// Command clockwatch measures this host's clock offset, drift and a true
// error bound against NTP servers, PTP sources, local time daemons and peer
// agents, and exports them to Prometheus, an HTTP API and shared memory.
//
// Subcommands:
//
//	clockwatch run      the agent
//	clockwatch demo     the agent against simulated servers on loopback
//	clockwatch query    one-shot measurement of NTP servers
//	clockwatch status   summary of a running agent
//	clockwatch trace    trace timestamp correction
//
// Run `clockwatch --help` or `clockwatch help COMMAND` for the flags.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"syscall"

	"github.com/alecthomas/kingpin/v2"
	"github.com/prometheus/common/promslog"
	promslogflag "github.com/prometheus/common/promslog/flag"
	"github.com/prometheus/common/version"
)

// cli is what every subcommand gets: where to print and where to log.
type cli struct {
	stdout io.Writer
	stderr io.Writer
	logger *slog.Logger
}

// runner runs one subcommand after its flags are parsed.
type runner func(ctx context.Context, c *cli) error

// registrar adds one subcommand (or a group) to the application and records
// the runner of each full command name.
type registrar func(app *kingpin.Application, commands map[string]runner)

// registrars lists every subcommand.
var registrars = []registrar{registerRun, registerDemo, registerQuery, registerStatus, registerTrace}

// errSilent marks an error already reported to the user; main only sets
// the exit status.
var errSilent = errors.New("failed")

func main() {
	setVersionFromBuild()
	os.Exit(execute(context.Background(), os.Args[1:], os.Stdout, os.Stderr))
}

// setVersionFromBuild fills the version shown by --version and
// clockwatch_build_info from what the Go toolchain recorded, unless the
// build set it with -ldflags.
func setVersionFromBuild() {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return
	}
	if version.Version == "" {
		version.Version = strings.TrimPrefix(info.Main.Version, "v")
	}
	for _, s := range info.Settings {
		switch {
		case s.Key == "vcs.revision" && version.Revision == "":
			version.Revision = s.Value
		case s.Key == "vcs.time" && version.BuildDate == "":
			version.BuildDate = s.Value
		}
	}
}

// execute parses args, runs the chosen subcommand until it finishes or
// SIGINT/SIGTERM arrives, and returns the exit status.
func execute(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	app := kingpin.New("clockwatch", "Clock offset measurement and synchronization agent: offset, drift and a true error bound for this host, exported to Prometheus.")
	app.UsageWriter(stdout)
	app.ErrorWriter(stderr)
	app.Terminate(func(status int) { panic(terminated{status}) })
	app.HelpFlag.Short('h')
	app.Version(version.Print("clockwatch"))
	logConfig := &promslog.Config{}
	promslogflag.AddFlags(app, logConfig)
	commands := map[string]runner{}
	for _, register := range registrars {
		register(app, commands)
	}

	name, exit, err := parse(app, args)
	if exit != nil {
		return *exit
	}
	if err != nil {
		fmt.Fprintf(stderr, "clockwatch: %v (see clockwatch --help)\n", err)
		return 2
	}
	run, ok := commands[name]
	if !ok {
		return 0
	}
	logConfig.Writer = stderr
	c := &cli{stdout: stdout, stderr: stderr, logger: promslog.New(logConfig)}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, c); err != nil {
		if !errors.Is(err, errSilent) {
			fmt.Fprintf(stderr, "clockwatch %s: %v\n", name, err)
		}
		return 1
	}
	return 0
}

// terminated is raised by kingpin's Terminate once --help, --version or
// `help` has printed: it ends the parse right there, as the os.Exit kingpin
// would call does, but lets execute return the status (tests run it in
// process).
type terminated struct{ status int }

// parse parses args; exit is set when kingpin terminated the parse, with
// the status to exit with.
func parse(app *kingpin.Application, args []string) (name string, exit *int, err error) {
	defer func() {
		if r := recover(); r != nil {
			t, ok := r.(terminated)
			if !ok {
				panic(r)
			}
			exit = &t.status
		}
	}()
	name, err = app.Parse(args)
	return name, nil, err
}
