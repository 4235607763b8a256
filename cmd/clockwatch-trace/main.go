// Command clockwatch-trace corrects the timestamps of recorded traces with
// the clock offsets clockwatch agents measured. It is a program of its own
// so that the agent links neither OpenTelemetry's pdata nor the Prometheus
// query client; `clockwatch trace ...` runs it, git-style, when it is
// installed beside clockwatch or on PATH.
//
//	clockwatch-trace correct   correct OTLP JSON traces
//
// Run `clockwatch-trace --help` or `clockwatch-trace help correct` for the
// flags.
package main

import (
	"context"
	"io"
	"os"

	"github.com/clockwatch/clockwatch/internal/cli"
)

// program is clockwatch-trace and its subcommands.
var program = cli.Program{
	Name:     "clockwatch-trace",
	Help:     "Trace timestamp correction with the clock offsets clockwatch agents measured.",
	Commands: []cli.Registrar{registerCorrect},
}

func main() {
	cli.SetVersionFromBuild()
	os.Exit(execute(context.Background(), os.Args[1:], os.Stdout, os.Stderr))
}

// execute runs the program with args and returns the exit status.
func execute(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	return program.Execute(ctx, args, stdout, stderr)
}
