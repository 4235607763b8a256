package logicaltime

import (
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// allowedModules is the whole module graph a service inherits by importing
// logicaltime: the module itself and golang.org/x/sys. A new entry here is a
// cost to every importer; keep the gRPC, HTTP-framework and test-only
// dependencies in sub-modules such as logicaltime/grpc.
var allowedModules = []string{
	"github.com/clockwatch/clockwatch/logicaltime",
	"golang.org/x/sys",
}

// TestModuleGraphStaysLean fails when `go list -m all`, run in this module,
// lists a module beyond allowedModules.
func TestModuleGraphStaysLean(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skipf("the go command is not on PATH, cannot list the module graph: %v", err)
	}
	cmd := exec.Command(goTool, "list", "-m", "-f", "{{.Path}}", "all")
	cmd.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=-mod=readonly")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list -m all: %v (run go mod tidy in logicaltime/)", err)
	}
	for _, module := range strings.Fields(string(out)) {
		if !slices.Contains(allowedModules, module) {
			t.Errorf("module graph of logicaltime has %s; importers would inherit it. Only %v are allowed: move the code that needs it into a sub-module (see logicaltime/grpc)", module, allowedModules)
		}
	}
}
