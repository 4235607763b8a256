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
//	clockwatch trace    trace timestamp correction (runs clockwatch-trace)
//
// Run `clockwatch --help` or `clockwatch help COMMAND` for the flags.
package main

import (
	"context"
	"io"
	"os"

	"github.com/clockwatch/clockwatch/internal/cli"
	"github.com/clockwatch/clockwatch/internal/startpages"
)

// program is clockwatch and its subcommands.
var program = cli.Program{
	Name:     "clockwatch",
	Help:     "Clock offset measurement and synchronization agent: offset, drift and a true error bound for this host, exported to Prometheus.",
	Commands: []cli.Registrar{runCommand(nil), registerDemo, registerQuery, registerStatus, registerTrace},
}

func main() {
	// Package initialisation touched most of the binary's code and
	// read-only data, little of which any command uses again: release
	// it before the flags are parsed (docs/footprint.md). An error only
	// leaves the pages resident.
	_, _ = startpages.Release()
	cli.SetVersionFromBuild()
	os.Exit(execute(context.Background(), os.Args[1:], os.Stdout, os.Stderr))
}

// execute runs clockwatch with args and returns the exit status; `trace`
// runs clockwatch-trace.
func execute(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if rest, ok := traceArgs(args); ok {
		return runTrace(rest, os.Stdin, stdout, stderr)
	}
	return program.Execute(ctx, args, stdout, stderr)
}
