// Command clockwatch-mesh names, from what a fleet's clockwatch agents
// export to Prometheus, the hosts whose clocks are off and the network
// paths that are asymmetric. The agents each measure a few peers and
// export the pairwise offsets; the fleet-wide inference (package mesh)
// runs here, where the fleet's data is, never in an agent.
//
//	clockwatch-mesh infer   read the peers' offsets from Prometheus and name the culprits
//
// Run `clockwatch-mesh --help` or `clockwatch-mesh help infer` for the
// flags.
package main

import (
	"context"
	"io"
	"os"

	"github.com/clockwatch/clockwatch/internal/cli"
)

// program is clockwatch-mesh and its subcommands.
var program = cli.Program{
	Name:     "clockwatch-mesh",
	Help:     "Fleet-wide inference from the pairwise offsets clockwatch agents measure of their peers.",
	Commands: []cli.Registrar{registerInfer},
}

func main() {
	cli.SetVersionFromBuild()
	os.Exit(execute(context.Background(), os.Args[1:], os.Stdout, os.Stderr))
}

// execute runs the program with args and returns the exit status.
func execute(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	return program.Execute(ctx, args, stdout, stderr)
}
