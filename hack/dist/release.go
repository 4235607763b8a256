package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// release is what every artefact of one `make dist` is stamped with.
type release struct {
	// root is the repository's top-level directory.
	root string
	// version names the artefacts and is what `clockwatch --version` and
	// clockwatch_build_info report.
	version string
	// revision and branch are the commit built.
	revision, branch string
	// date is the commit's time (or SOURCE_DATE_EPOCH), used for every
	// timestamp inside the artefacts, so that a rebuild of the same commit
	// gives the same bytes.
	date time.Time
}

// versionPattern is semantic versioning without build metadata: "+" is not
// allowed in an image tag. A pre-release such as 0.2.0-rc.1 sorts before
// 0.2.0 in dpkg too (nfpm writes it as 0.2.0~rc.1).
var versionPattern = regexp.MustCompile(`^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)(-[0-9A-Za-z]+(\.[0-9A-Za-z]+)*)?$`)

// checkVersion reports whether v can name a tarball, a Debian package and
// an image tag alike.
func checkVersion(v string) error {
	if !versionPattern.MatchString(v) {
		return fmt.Errorf("version %q is not MAJOR.MINOR.PATCH[-PRERELEASE] (e.g. 0.2.0 or 0.2.0-rc.1)", v)
	}
	return nil
}

// loadRelease reads the version (the VERSION file unless override is set)
// and the commit of the repository around the working directory.
func loadRelease(override string) (release, error) {
	root, err := git(".", "rev-parse", "--show-toplevel")
	if err != nil {
		return release{}, err
	}
	r := release{root: root, version: override}
	if r.version == "" {
		data, err := os.ReadFile(filepath.Join(root, "VERSION"))
		if err != nil {
			return release{}, fmt.Errorf("read the version: %w (or pass -version)", err)
		}
		r.version = strings.TrimSpace(string(data))
	}
	if err := checkVersion(r.version); err != nil {
		return release{}, err
	}
	if r.revision, err = git(root, "rev-parse", "HEAD"); err != nil {
		return release{}, err
	}
	if r.branch, err = git(root, "rev-parse", "--abbrev-ref", "HEAD"); err != nil {
		return release{}, err
	}
	epoch := os.Getenv("SOURCE_DATE_EPOCH")
	if epoch == "" {
		if epoch, err = git(root, "log", "-1", "--format=%ct"); err != nil {
			return release{}, err
		}
	}
	seconds, err := strconv.ParseInt(epoch, 10, 64)
	if err != nil {
		return release{}, fmt.Errorf("commit time %q is not a Unix time: %w", epoch, err)
	}
	r.date = time.Unix(seconds, 0).UTC()
	return r, nil
}

// git runs git in dir and returns its output without the final newline.
func git(dir string, args ...string) (string, error) {
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		var stderr []byte
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = ee.Stderr
		}
		return "", fmt.Errorf("git %s: %v %s (run it inside the clockwatch repository)", strings.Join(args, " "), err, strings.TrimSpace(string(stderr)))
	}
	return strings.TrimSpace(string(out)), nil
}
