package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// commands are the binaries of a release, each built from ./cmd/NAME and
// installed side by side: /usr/bin in the package and the image, the top
// directory of the tarball. A new binary is one more name here.
var commands = []string{"clockwatch", "clockwatch-mesh", "clockwatch-trace"}

// versionPackage holds the variables that `clockwatch --version` and
// clockwatch_build_info report. cmd/clockwatch fills those the build leaves
// empty from the Go toolchain's VCS stamp, which GOFLAGS=-buildvcs=false or
// a tree without .git turn off: a release sets them all itself.
const versionPackage = "github.com/prometheus/common/version"

// build is the binaries of one architecture.
type build struct {
	arch string
	dir  string
}

// path is where the binary of command is.
func (b build) path(command string) string { return filepath.Join(b.dir, command) }

// buildBinaries builds every command for linux/arch into work: static
// (CGO_ENABLED=0), without local paths (-trimpath), stripped, with the
// release's version, revision, branch and date stamped in. Nothing else
// of the build machine enters the binary, so a rebuild of the same commit
// gives the same bytes.
func (r release) buildBinaries(work, arch string) (build, error) {
	b := build{arch: arch, dir: filepath.Join(work, "linux-"+arch)}
	ldflags := strings.Join([]string{
		"-s", "-w",
		"-X", versionPackage + ".Version=" + r.version,
		"-X", versionPackage + ".Revision=" + r.revision,
		"-X", versionPackage + ".Branch=" + r.branch,
		"-X", versionPackage + ".BuildDate=" + r.date.Format(time.RFC3339),
	}, " ")
	args := []string{"build", "-trimpath", "-buildvcs=false", "-ldflags", ldflags, "-o", b.dir + string(filepath.Separator)}
	for _, c := range commands {
		args = append(args, "./cmd/"+c)
	}
	cmd := exec.Command("go", args...)
	cmd.Dir = r.root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH="+arch)
	if out, err := cmd.CombinedOutput(); err != nil {
		return build{}, fmt.Errorf("go %s (linux/%s): %v\n%s", strings.Join(args, " "), arch, err, out)
	}
	return b, nil
}
