package main

import (
	"bytes"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
)

// testBuilds holds the one linux/amd64 build the tests share: a static
// build of every command takes a minute or two when the cache is cold.
var testBuilds struct {
	once sync.Once
	work string
	r    release
	b    build
	err  error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if testBuilds.work != "" {
		os.RemoveAll(testBuilds.work)
	}
	os.Exit(code)
}

// testBuild returns the release of this repository (version from the
// VERSION file) and its linux/amd64 binaries, built once.
func testBuild(t *testing.T) (release, build) {
	t.Helper()
	testBuilds.once.Do(func() {
		if testBuilds.r, testBuilds.err = loadRelease(""); testBuilds.err != nil {
			return
		}
		if testBuilds.work, testBuilds.err = os.MkdirTemp("", "clockwatch-dist-test-"); testBuilds.err != nil {
			return
		}
		testBuilds.b, testBuilds.err = testBuilds.r.buildBinaries(testBuilds.work, "amd64")
	})
	if testBuilds.err != nil {
		t.Fatal(testBuilds.err)
	}
	return testBuilds.r, testBuilds.b
}

// checkVersionOutput runs `BINARY --version` and checks that it reports the
// release's version and revision.
func checkVersionOutput(t *testing.T, binary string, r release) {
	t.Helper()
	out, err := exec.Command(binary, "--version").CombinedOutput()
	if err != nil {
		t.Fatalf("%s --version: %v\n%s", binary, err, out)
	}
	for _, want := range []string{"version " + r.version + " ", "revision: " + r.revision} {
		if !bytes.Contains(out, []byte(want)) {
			t.Errorf("%s --version does not say %q:\n%s", binary, want, out)
		}
	}
}

// runLogged runs a command, logs its output and fails the test if it fails.
func runLogged(t *testing.T, name string, args ...string) string {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	t.Logf("$ %s %s\n%s", name, strings.Join(args, " "), out)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return string(out)
}

// needCommands skips the test, naming the Debian package, when a command
// it runs is missing.
func needCommands(t *testing.T, commands map[string]string) {
	t.Helper()
	for cmd, pkg := range commands {
		if _, err := exec.LookPath(cmd); err != nil {
			t.Skipf("%s not installed (Debian package %s)", cmd, pkg)
		}
	}
}
