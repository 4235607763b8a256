// Package cli is what clockwatch's commands share: a kingpin application
// with the logging flags, --version from the build, one runner per
// subcommand, and exit statuses (0 done or help printed, 1 failed, 2 bad
// usage).
package cli

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

// Env is what every subcommand gets: where to print and where to log.
type Env struct {
	Stdout, Stderr io.Writer
	Logger         *slog.Logger
}

// Runner runs one subcommand after its flags are parsed.
type Runner func(ctx context.Context, env *Env) error

// Registrar adds one subcommand (or a group) to the application and records
// the runner of each full command name ("trace correct").
type Registrar func(app *kingpin.Application, commands map[string]Runner)

// ErrSilent marks an error already reported to the user: Execute only sets
// the exit status.
var ErrSilent = errors.New("failed")

// Program is one command-line program.
type Program struct {
	// Name and Help introduce it in --help.
	Name, Help string
	// Commands are its subcommands.
	Commands []Registrar
}

// Execute parses args, runs the chosen subcommand until it finishes or
// SIGINT/SIGTERM arrives, and returns the exit status.
func (p Program) Execute(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	app := kingpin.New(p.Name, p.Help)
	app.UsageWriter(stdout)
	app.ErrorWriter(stderr)
	app.Terminate(func(status int) { panic(terminated{status}) })
	app.HelpFlag.Short('h')
	app.Version(version.Print(p.Name))
	logConfig := &promslog.Config{}
	promslogflag.AddFlags(app, logConfig)
	commands := map[string]Runner{}
	for _, register := range p.Commands {
		register(app, commands)
	}
	name, exit, err := parse(app, args)
	if exit != nil {
		return *exit
	}
	if err != nil {
		fmt.Fprintf(stderr, "%s: %v (see %s --help)\n", p.Name, err, p.Name)
		return 2
	}
	run, ok := commands[name]
	if !ok {
		return 0
	}
	logConfig.Writer = stderr
	env := &Env{Stdout: stdout, Stderr: stderr, Logger: promslog.New(logConfig)}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, env); err != nil {
		if !errors.Is(err, ErrSilent) {
			fmt.Fprintf(stderr, "%s %s: %v\n", p.Name, name, err)
		}
		return 1
	}
	return 0
}

// terminated is raised by kingpin's Terminate once --help, --version or
// `help` has printed: it ends the parse right there, as the os.Exit kingpin
// would call does, but lets Execute return the status (tests run it in
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

// SetVersionFromBuild fills the version shown by --version and
// clockwatch_build_info from what the Go toolchain recorded, unless the
// build set it with -ldflags.
func SetVersionFromBuild() {
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
