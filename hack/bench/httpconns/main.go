//go:build linux

// Command httpconns measures what idle HTTP clients cost a clockwatch
// agent: it starts `clockwatch demo` on loopback, opens many keep-alive
// connections that each make one request and then idle, and prints the
// agent's open file descriptors and resident memory before, while they are
// held, and after the agent's idle timeout.
//
//	go run ./hack/bench/httpconns                        # builds ./cmd/clockwatch, 3000 connections
//	go run ./hack/bench/httpconns -clockwatch BIN -n 6000 -after 130s
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

func main() {
	binary := flag.String("clockwatch", "", "clockwatch binary (default: go build ./cmd/clockwatch into a temporary directory).")
	n := flag.Int("n", 3000, "Keep-alive connections to open.")
	after := flag.Duration("after", 130*time.Second, "How long to wait after opening them before measuring again (the agent's idle timeout is 2m).")
	flag.Parse()
	if err := run(*binary, *n, *after); err != nil {
		fmt.Fprintln(os.Stderr, "httpconns:", err)
		os.Exit(1)
	}
}

// run starts the agent and prints its cost at each stage.
func run(binary string, n int, after time.Duration) error {
	dir, err := os.MkdirTemp("", "clockwatch-httpconns")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	if binary == "" {
		binary = filepath.Join(dir, "clockwatch")
		build := exec.Command("go", "build", "-o", binary, "./cmd/clockwatch")
		build.Stderr = os.Stderr
		if err := build.Run(); err != nil {
			return fmt.Errorf("go build ./cmd/clockwatch (run from the repository root, or give -clockwatch): %w", err)
		}
	}
	addr, err := freeAddr()
	if err != nil {
		return err
	}
	agent := exec.Command(binary, "demo", "--web.listen-address", addr, "--duration", "1h")
	if err := agent.Start(); err != nil {
		return err
	}
	defer func() {
		_ = agent.Process.Kill()
		_ = agent.Wait()
	}()
	if err := waitServing(addr); err != nil {
		return err
	}
	pid := agent.Process.Pid
	print(pid, "before", "")
	conns, served := openIdle(addr, n)
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	time.Sleep(2 * time.Second)
	print(pid, fmt.Sprintf("%d held", n), fmt.Sprintf("(%d of %d answered within 5 s; any others wait in the accept queue)", served, n))
	time.Sleep(after)
	closed := countClosed(conns)
	print(pid, fmt.Sprintf("%v later", after), fmt.Sprintf("(%d of %d closed by the agent)", closed, n))
	return nil
}

// print prints the agent's open descriptors and resident memory.
func print(pid int, stage, note string) {
	fds, _ := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
	fmt.Printf("%-14s fds %5d  RSS %6.1f MiB  %s\n", stage, len(fds), rssMiB(pid), note)
}

// rssMiB reads VmRSS from /proc/PID/status.
func rssMiB(pid int) float64 {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			kib, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 64)
			return kib / 1024
		}
	}
	return 0
}

// openIdle opens n connections to addr, each sending one request, and
// returns them with how many were answered within 5 s.
func openIdle(addr string, n int) ([]net.Conn, int) {
	conns := make([]net.Conn, 0, n)
	var served atomic.Int64
	var wg sync.WaitGroup
	for range n {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			fmt.Fprintln(os.Stderr, "dial:", err)
			break
		}
		conns = append(conns, c)
		wg.Go(func() {
			if request(c) == nil {
				served.Add(1)
			}
		})
	}
	wg.Wait()
	return conns, int(served.Load())
}

// request sends GET /-/healthy on c and reads the reply, waiting at most 5 s.
func request(c net.Conn) error {
	if _, err := io.WriteString(c, "GET /-/healthy HTTP/1.1\r\nHost: clockwatch\r\n\r\n"); err != nil {
		return err
	}
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, err = io.Copy(io.Discard, resp.Body)
	return err
}

// countClosed counts the connections the agent has closed.
func countClosed(conns []net.Conn) int {
	closed := 0
	for _, c := range conns {
		_ = c.SetReadDeadline(time.Now().Add(10 * time.Millisecond))
		if _, err := c.Read(make([]byte, 1)); err == io.EOF {
			closed++
		}
	}
	return closed
}

// freeAddr returns a loopback address that was free a moment ago.
func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// waitServing waits until the agent answers on addr.
func waitServing(addr string) error {
	client := &http.Client{Timeout: time.Second}
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if resp, err := client.Get("http://" + addr + "/-/healthy"); err == nil {
			resp.Body.Close()
			return nil
		}
	}
	return fmt.Errorf("the agent does not serve on %s", addr)
}
