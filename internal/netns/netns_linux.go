//go:build linux

package netns

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"

	"golang.org/x/sys/unix"
)

// Dir is where `ip netns add` keeps the namespaces by name.
const Dir = "/var/run/netns"

// Do runs f on an OS thread that has entered the network namespace name
// (a file under Dir) and returns f's error; an empty name runs f here. The
// thread is never given back to the Go scheduler: it ends with f, so
// nothing else ever runs in the namespace by accident.
func Do(name string, f func() error) error {
	if name == "" {
		return f()
	}
	done := make(chan error, 1)
	go func() {
		// Never unlocked: the thread, in another namespace, ends with the
		// goroutine.
		runtime.LockOSThread()
		done <- enter(name, f)
	}()
	return <-done
}

// enter switches the calling thread into namespace name and runs f.
func enter(name string, f func() error) error {
	file, err := os.Open(filepath.Join(Dir, name))
	if err != nil {
		return fmt.Errorf("netns: %w (make it with `ip netns add %s`)", err, name)
	}
	defer file.Close()
	if err := unix.Setns(int(file.Fd()), unix.CLONE_NEWNET); err != nil {
		return fmt.Errorf("netns: enter network namespace %s: %w (needs root)", name, err)
	}
	return f()
}
