package main

import (
	"context"
	"log/slog"
	"os"
	"runtime"
	"runtime/debug"
	"time"

	"github.com/alecthomas/kingpin/v2"
	"github.com/clockwatch/clockwatch/internal/startpages"
)

// agentGCPercent is the collector's target of a long-running agent unless
// GOGC says otherwise: its live heap is about a megabyte and steady, so
// collecting at 25 % growth keeps the heap near it for a collection every
// few seconds, a fraction of a millisecond each.
const agentGCPercent = 25

// startupSettle is how long after its start the agent releases the
// binary's pages once more: those its first polls, its first log lines
// and its HTTP server's start touched.
const startupSettle = 10 * time.Second

// runtimeFlags are the Go runtime settings of `run` and `demo`.
type runtimeFlags struct {
	gomaxprocs int
	// releasePages is whether the started agent releases the pages of
	// the binary its start touched (internal/startpages).
	releasePages bool
}

// addRuntimeFlags registers --runtime.gomaxprocs on cmd: one thread runs
// the agent's code by default, as node_exporter does, which keeps a host
// agent's CPU time and memory small; GOMAXPROCS sets it too.
func addRuntimeFlags(cmd *kingpin.CmdClause) *runtimeFlags {
	f := &runtimeFlags{}
	cmd.Flag("runtime.gomaxprocs", "Threads that run the agent's Go code at once (GOMAXPROCS); 1, as node_exporter, keeps its CPU and memory small.").
		Envar("GOMAXPROCS").Default("1").SetValue(&intFlag{name: "runtime.gomaxprocs", target: &f.gomaxprocs, min: 1, max: 1 << 12})
	cmd.Flag("runtime.release-startup-pages", "Once started, drop the binary's code and read-only data from resident memory; what the agent uses faults back from the page cache.").
		Default("true").BoolVar(&f.releasePages)
	return f
}

// apply sets the runtime for a long-running agent: its threads, the
// collector's target, no memory profiling.
func (f *runtimeFlags) apply() {
	runtime.GOMAXPROCS(f.gomaxprocs)
	// The agent serves no heap profile: the sampling profiler's table of
	// allocation stacks would only cost memory (0.1 to 0.35 MiB resident).
	runtime.MemProfileRate = 0
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(agentGCPercent)
	}
}

// releaseBeforeStart releases the pages of the binary touched so far, unless
// --no-runtime.release-startup-pages: run calls it once its flags and
// configuration are read, before the agent starts.
func (f *runtimeFlags) releaseBeforeStart(logger *slog.Logger) {
	if f.releasePages {
		releaseStartupPages(logger)
	}
}

// started releases the pages of the binary that the agent's start touched
// (the start of every part), now and again after startupSettle, unless
// --no-runtime.release-startup-pages; what the agent goes on using is
// faulted back.
func (f *runtimeFlags) started(ctx context.Context, logger *slog.Logger) {
	if !f.releasePages {
		return
	}
	releaseStartupPages(logger)
	go func() {
		settled := time.NewTimer(startupSettle)
		defer settled.Stop()
		select {
		case <-ctx.Done():
		case <-settled.C:
			releaseStartupPages(logger)
		}
	}()
}

// releaseStartupPages releases the binary's pages and logs what it did.
func releaseStartupPages(logger *slog.Logger) {
	r, err := startpages.Release()
	if err != nil {
		logger.Warn("could not release the start-up pages; the agent runs on with them resident", "err", err)
		return
	}
	logger.Debug("released the binary's start-up pages", "mappings", r.Mappings, "resident_bytes", r.Bytes)
}
