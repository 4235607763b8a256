package connlimit

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// testServer serves handler through a Limiter of limit connections on
// loopback and returns its address and the limiter.
func testServer(t *testing.T, limit int, handler http.Handler) (string, *Limiter) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	l := New(limit)
	srv := &http.Server{Handler: handler, ConnState: l.ConnState}
	go srv.Serve(l.Listener(ln))
	t.Cleanup(func() { srv.Close() })
	return ln.Addr().String(), l
}

// request sends one keep-alive request on c and reads the reply's status.
func request(c net.Conn, r *bufio.Reader) (int, error) {
	fmt.Fprintf(c, "GET / HTTP/1.1\r\nHost: test\r\n\r\n")
	resp, err := http.ReadResponse(r, nil)
	if err != nil {
		return 0, err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, nil
}

// TestIdleConnectionsCannotLockOut: with the limit held by idle
// keep-alive connections and silent ones, a new client is served, and the
// connection waiting longest is the one closed.
func TestIdleConnectionsCannotLockOut(t *testing.T) {
	addr, l := testServer(t, 4, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {}))
	var conns []net.Conn
	var readers []*bufio.Reader
	for i := range 4 {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		r := bufio.NewReader(c)
		if i < 3 { // three idle keep-alive connections, one silent
			if code, err := request(c, r); err != nil || code != http.StatusOK {
				t.Fatalf("connection %d: %v %d", i, err, code)
			}
		}
		conns, readers = append(conns, c), append(readers, r)
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(50 * time.Millisecond)
	client := &http.Client{Timeout: 5 * time.Second}
	resp, err := client.Get("http://" + addr + "/")
	if err != nil {
		t.Fatalf("a new client was locked out: %v", err)
	}
	resp.Body.Close()
	if s := l.Stats(); s.Evicted != 1 || s.Refused != 0 {
		t.Errorf("stats %+v, want one eviction", s)
	}
	// The first idle connection waited longest: it was closed.
	if _, err := request(conns[0], readers[0]); err == nil {
		t.Error("the longest idle connection still works")
	}
	if code, err := request(conns[2], readers[2]); err != nil || code != http.StatusOK {
		t.Errorf("a younger idle connection was closed: %v", err)
	}
}

// TestBusyConnectionsAreNotEvicted: when every held connection is serving
// a request, a new one is refused at once and the requests finish.
func TestBusyConnectionsAreNotEvicted(t *testing.T) {
	release := make(chan struct{})
	var started sync.WaitGroup
	started.Add(2)
	addr, l := testServer(t, 2, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		started.Done()
		<-release
	}))
	results := make(chan error, 2)
	for range 2 {
		go func() {
			resp, err := http.Get("http://" + addr + "/")
			if err == nil {
				resp.Body.Close()
			}
			results <- err
		}()
	}
	started.Wait()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.Read(make([]byte, 1)); err == nil || strings.Contains(err.Error(), "timeout") {
		t.Errorf("the refused connection was not closed at once: %v", err)
	}
	close(release)
	for range 2 {
		if err := <-results; err != nil {
			t.Errorf("a busy request failed: %v", err)
		}
	}
	if s := l.Stats(); s.Refused != 1 || s.Evicted != 0 {
		t.Errorf("stats %+v, want one refusal", s)
	}
}
