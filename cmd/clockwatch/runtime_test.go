package main

import (
	"runtime"
	"runtime/debug"
	"testing"

	"github.com/alecthomas/kingpin/v2"
)

// TestRuntimeFlags: an agent runs its Go code on one thread unless told
// otherwise, by the flag or by GOMAXPROCS, collects garbage at 25 % heap
// growth unless GOGC is set, samples no allocations for a heap profile,
// and releases its start-up pages unless told not to.
func TestRuntimeFlags(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	defer func(rate int) { runtime.MemProfileRate = rate }(runtime.MemProfileRate)
	tests := []struct {
		name    string
		args    []string
		env     map[string]string
		procs   int
		percent int
		keep    bool // the start-up pages
	}{
		{name: "defaults", procs: 1, percent: agentGCPercent},
		{name: "flag", args: []string{"--runtime.gomaxprocs=2"}, procs: 2, percent: agentGCPercent},
		{name: "environment", env: map[string]string{"GOMAXPROCS": "3", "GOGC": "100"}, procs: 3, percent: 100},
		{name: "keep the start-up pages", args: []string{"--no-runtime.release-startup-pages"}, procs: 1, percent: agentGCPercent, keep: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("GOMAXPROCS", "")
			t.Setenv("GOGC", "")
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			debug.SetGCPercent(100)
			app := kingpin.New("test", "")
			f := addRuntimeFlags(app.Command("run", ""))
			if _, err := app.Parse(append([]string{"run"}, tc.args...)); err != nil {
				t.Fatal(err)
			}
			f.apply()
			if got := runtime.GOMAXPROCS(0); got != tc.procs {
				t.Errorf("GOMAXPROCS %d, want %d", got, tc.procs)
			}
			if got := debug.SetGCPercent(100); got != tc.percent {
				t.Errorf("GC percent %d, want %d", got, tc.percent)
			}
			if runtime.MemProfileRate != 0 {
				t.Errorf("MemProfileRate %d, want 0: the agent serves no heap profile", runtime.MemProfileRate)
			}
			if f.releasePages == tc.keep {
				t.Errorf("release the start-up pages: %v, want %v", f.releasePages, !tc.keep)
			}
		})
	}
}
