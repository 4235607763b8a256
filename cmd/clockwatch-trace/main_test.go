package main

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/clockwatch/clockwatch/internal/testlab"
)

// binaries are the programs the end-to-end tests run, built once by
// TestMain into one directory, as an installation puts them.
var binaries struct {
	clockwatch, trace string
}

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "clockwatch-trace-test")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binaries.clockwatch = filepath.Join(dir, "clockwatch")
	binaries.trace = filepath.Join(dir, "clockwatch-trace")
	for path, pkg := range map[string]string{binaries.clockwatch: "../clockwatch", binaries.trace: "."} {
		build := exec.Command("go", "build", "-o", path, pkg)
		build.Stderr = os.Stderr
		if err := build.Run(); err != nil {
			fmt.Fprintf(os.Stderr, "building %s for the tests: %v\n", pkg, err)
			os.Exit(1)
		}
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// demoAgent is a `clockwatch demo` serving its API on loopback.
type demoAgent struct {
	url string
}

// startDemo runs the demo agent polling its simulated servers five times a
// second and waits until it serves; it is killed at the end of the test.
func startDemo(t *testing.T) *demoAgent {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	cmd := exec.Command(binaries.clockwatch, "demo", "--poll.interval=200ms", "--web.listen-address="+addr)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	a := &demoAgent{url: "http://" + addr}
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		if resp, err := http.Get(a.url + "/-/healthy"); err == nil {
			resp.Body.Close()
			return a
		}
		if time.Now().After(deadline) {
			t.Fatal("clockwatch demo did not serve within 20s")
		}
	}
}

// get fetches a path of the agent's API.
func (a *demoAgent) get(t *testing.T, path string) []byte {
	t.Helper()
	return testlab.Get(t, a.url+path)
}
