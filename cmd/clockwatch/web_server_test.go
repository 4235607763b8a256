package main

import (
	"bufio"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/clockwatch/clockwatch/internal/testlab"

	"github.com/prometheus/exporter-toolkit/web"
)

// serveTestHTTP serves a handler that answers "ok" on a loopback port
// within limits, the way the agent serves its API, until the test ends.
func serveTestHTTP(t *testing.T, limits httpLimits) string {
	t.Helper()
	addrs, noConfig, systemd := []string{"127.0.0.1:0"}, "", false
	f := &webFlags{toolkit: &web.FlagConfig{WebListenAddresses: &addrs, WebConfigFile: &noConfig, WebSystemdSocket: &systemd}, limits: limits}
	ctx, cancel := context.WithCancel(context.Background())
	handler := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "ok") })
	served, done, err := serveHTTP(ctx, f, handler, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("server: %v", err)
		}
	})
	return served[0].String()
}

// keepAlive is a client connection that keeps its socket between requests.
type keepAlive struct {
	conn net.Conn
	r    *bufio.Reader
}

// dialKeepAlive opens a connection to addr.
func dialKeepAlive(t *testing.T, addr string) *keepAlive {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return &keepAlive{conn: conn, r: bufio.NewReader(conn)}
}

// get sends one request and reads its reply, waiting at most wait.
func (k *keepAlive) get(wait time.Duration) error {
	if _, err := io.WriteString(k.conn, "GET / HTTP/1.1\r\nHost: clockwatch\r\n\r\n"); err != nil {
		return err
	}
	_ = k.conn.SetReadDeadline(time.Now().Add(wait))
	resp, err := http.ReadResponse(k.r, nil)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, err = io.Copy(io.Discard, resp.Body)
	return err
}

// closedByServer waits until deadline for the server to close the
// connection.
func (k *keepAlive) closedByServer(deadline time.Time) bool {
	_ = k.conn.SetReadDeadline(deadline)
	_, err := k.r.ReadByte()
	return errors.Is(err, io.EOF)
}

// TestHTTPClosesIdleConnections opens many keep-alive connections, each
// after one request, and some that never send one: the server closes them
// all after its idle and header timeouts. They were never closed before,
// and 3000 of them cost 54 MB and 3010 fds.
func TestHTTPClosesIdleConnections(t *testing.T) {
	limits := defaultHTTPLimits
	limits.idle, limits.readHeader, limits.maxConnections = 100*time.Millisecond, 100*time.Millisecond, 1000
	addr := serveTestHTTP(t, limits)
	var idle, silent []*keepAlive
	for range 100 {
		k := dialKeepAlive(t, addr)
		if err := k.get(10 * time.Second); err != nil {
			t.Fatal(err)
		}
		idle = append(idle, k)
		silent = append(silent, dialKeepAlive(t, addr))
	}
	deadline := time.Now().Add(10 * time.Second)
	for name, conns := range map[string][]*keepAlive{"idle after a request": idle, "silent": silent} {
		open := 0
		for _, k := range conns {
			if !k.closedByServer(deadline) {
				open++
			}
		}
		if open > 0 {
			t.Errorf("%s: %d of %d connections still open after 10 s; want them closed after 100 ms", name, open, len(conns))
		}
	}
}

// TestHTTPConnectionCap holds as many idle connections as the cap allows:
// the next client is still served at once, and the connection idle longest
// is the one closed, so held connections cannot lock out a scrape.
func TestHTTPConnectionCap(t *testing.T) {
	limits := defaultHTTPLimits
	limits.maxConnections = 4
	addr := serveTestHTTP(t, limits)
	var held []*keepAlive
	for range limits.maxConnections {
		k := dialKeepAlive(t, addr)
		if err := k.get(10 * time.Second); err != nil {
			t.Fatal(err)
		}
		held = append(held, k)
		time.Sleep(10 * time.Millisecond)
	}
	next := dialKeepAlive(t, addr)
	if err := next.get(10 * time.Second); err != nil {
		t.Fatalf("a connection past the cap of %d was not served: %v", limits.maxConnections, err)
	}
	if !held[0].closedByServer(time.Now().Add(10 * time.Second)) {
		t.Error("the connection idle longest was not closed to make room")
	}
	if err := held[len(held)-1].get(10 * time.Second); err != nil {
		t.Errorf("the youngest held connection was closed: %v", err)
	}
}

// TestSystemdSocketActivation serves the demo on a socket systemd passes
// (systemd-socket-activate stands in for a .socket unit): the agent must
// answer on it, within its connection cap.
func TestSystemdSocketActivation(t *testing.T) {
	activate, err := exec.LookPath("systemd-socket-activate")
	if err != nil {
		t.Skip("systemd-socket-activate (Debian package systemd) not installed")
	}
	free, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := free.Addr().String()
	free.Close()
	// systemd-socket-activate listens, and starts the agent at the first
	// connection with the socket as fd 3.
	logs := testlab.Start(t, "systemd-socket-activate", exec.Command(activate, "-l", addr, binary, "demo", "--web.systemd-socket", "--web.max-connections=8", "--log.format=json"))
	client := &http.Client{Timeout: 20 * time.Second}
	var resp *http.Response
	waitFor(t, 10*time.Second, "systemd-socket-activate to listen", func() bool {
		resp, err = client.Get("http://" + addr + "/-/healthy")
		return err == nil
	})
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("GET /-/healthy on the activated socket: %s", resp.Status)
	}
	if !strings.Contains(logs.String(), `"max_connections":8`) {
		t.Errorf("the agent does not log serving the activated socket within its cap:\n%s", logs.String())
	}
}
