package main

import (
	"os"
	"runtime"
	"runtime/debug"

	"github.com/alecthomas/kingpin/v2"
)

// agentGCPercent is the collector's target of a long-running agent unless
// GOGC says otherwise: its live heap is about a megabyte and steady, so
// collecting at 25 % growth keeps the heap near it for a collection every
// few seconds, a fraction of a millisecond each.
const agentGCPercent = 25

// runtimeFlags are the Go runtime settings of `run` and `demo`.
type runtimeFlags struct {
	gomaxprocs int
}

// addRuntimeFlags registers --runtime.gomaxprocs on cmd: one thread runs
// the agent's code by default, as node_exporter does, which keeps a host
// agent's CPU time and memory small; GOMAXPROCS sets it too.
func addRuntimeFlags(cmd *kingpin.CmdClause) *runtimeFlags {
	f := &runtimeFlags{}
	cmd.Flag("runtime.gomaxprocs", "Threads that run the agent's Go code at once (GOMAXPROCS); 1, as node_exporter, keeps its CPU and memory small.").
		Envar("GOMAXPROCS").Default("1").SetValue(&intFlag{name: "runtime.gomaxprocs", target: &f.gomaxprocs, min: 1, max: 1 << 12})
	return f
}

// apply sets the runtime for a long-running agent.
func (f *runtimeFlags) apply() {
	runtime.GOMAXPROCS(f.gomaxprocs)
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(agentGCPercent)
	}
}
