//go:build linux

package netns

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// TestDoRunsHereWithoutAName runs f in the caller's namespace and returns
// its error.
func TestDoRunsHereWithoutAName(t *testing.T) {
	want := errors.New("from f")
	ran := false
	if err := Do("", func() error { ran = true; return want }); !ran || !errors.Is(err, want) {
		t.Errorf("Do(\"\"): ran %v, err %v; want f run and its error", ran, err)
	}
}

// TestDoNamesAMissingNamespace says how to make it and never runs f.
func TestDoNamesAMissingNamespace(t *testing.T) {
	err := Do("clockwatch-no-such-namespace", func() error { t.Error("f ran"); return nil })
	if err == nil || !strings.Contains(err.Error(), "ip netns add clockwatch-no-such-namespace") {
		t.Errorf("err %v; want one that says how to make the namespace", err)
	}
}

// TestDoListensInsideTheNamespace listens on the loopback of a namespace
// the test makes: a connection made inside reaches the listener, one from
// the test's own namespace does not, and the test's goroutines never leave
// their namespace.
func TestDoListensInsideTheNamespace(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("network namespaces need root (make test runs as root in CI)")
	}
	if _, err := exec.LookPath("ip"); err != nil {
		t.Skip("ip not installed (Debian package iproute2; make test installs it)")
	}
	ns := fmt.Sprintf("cwnetns%d", os.Getpid())
	for _, args := range [][]string{{"netns", "add", ns}, {"-n", ns, "link", "set", "lo", "up"}} {
		if out, err := exec.Command("ip", args...).CombinedOutput(); err != nil {
			t.Fatalf("ip %s: %v: %s", strings.Join(args, " "), err, out)
		}
	}
	t.Cleanup(func() { _ = exec.Command("ip", "netns", "del", ns).Run() })
	var ln net.Listener
	if err := Do(ns, func() (err error) { ln, err = net.Listen("tcp", "127.0.0.1:0"); return err }); err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	addr := ln.Addr().String()
	if err := Do(ns, func() error { return dialOnce(addr) }); err != nil {
		t.Errorf("inside %s: %v", ns, err)
	}
	if dialOnce(addr) == nil {
		t.Errorf("the test's own namespace reached %s, which listens in %s", addr, ns)
	}
}

func dialOnce(addr string) error {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err == nil {
		c.Close()
	}
	return err
}
