package exporters

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"math"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"testing"
	"time"

	"github.com/clockwatch/clockwatch/estimator"
	"github.com/prometheus/client_golang/prometheus"
)

// fullRing is six hours at one point a second, as the agent keeps.
const fullRing = 6 * 60 * 60

// filledHistory returns a history of capacity holding n estimates a second
// apart, ending at now, with offsets and bounds of many digits.
func filledHistory(capacity, n int) *History {
	h := NewHistory(capacity)
	for i := range n {
		x := float64(i)
		h.Add(estimator.Estimate{
			Time:         now.Add(time.Duration(i-n+1) * time.Second),
			Offset:       time.Duration(1e5 * math.Sin(x/300)),
			ErrorBound:   time.Duration(2e4 + 3*x),
			Synchronized: i%7 != 0,
		})
	}
	return h
}

// historyAPI is an API serving h.
func historyAPI(host string, h *History) *API {
	return &API{Current: testEstimate, History: h, Host: host, Gatherer: prometheus.NewRegistry(), Logger: slog.New(slog.DiscardHandler)}
}

// encodedHistory is /api/v1/history as the agent first served it: one
// document through json.Encoder, indented by two spaces. The streamed
// answer must stay byte for byte the same.
func encodedHistory(t *testing.T, host string, h *History, since time.Time) []byte {
	t.Helper()
	doc := struct {
		Host      string         `json:"host"`
		Estimates []HistoryPoint `json:"estimates"`
	}{host, h.Since(since)}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	if err := enc.Encode(doc); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestHistoryJSONUnchanged(t *testing.T) {
	tests := []struct {
		name  string
		host  string
		h     *History
		since time.Time
	}{
		{"empty", "host-1", NewHistory(10), time.Time{}},
		{"one point", "host-1", filledHistory(10, 1), time.Time{}},
		{"a chunk and one", "host-1", filledHistory(fullRing, historyChunk+1), time.Time{}},
		{"full ring", "db-7.example", filledHistory(fullRing, fullRing), time.Time{}},
		{"wrapped ring", "db-7.example", filledHistory(1000, 2500), time.Time{}},
		{"since an hour ago", "db-7.example", filledHistory(fullRing, fullRing), now.Add(-time.Hour)},
		{"since after the newest", "db-7.example", filledHistory(fullRing, fullRing), now.Add(time.Second)},
		{"host escaped", `<a&"b">`, filledHistory(10, 3), time.Time{}},
		{"no host", "", filledHistory(10, 3), time.Time{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			handler, err := historyAPI(tc.host, tc.h).Handler()
			if err != nil {
				t.Fatal(err)
			}
			path := "/api/v1/history"
			if !tc.since.IsZero() {
				path += "?since=" + tc.since.Format(time.RFC3339Nano)
			}
			rec := httptest.NewRecorder()
			handler.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
			want := encodedHistory(t, tc.host, tc.h, tc.since)
			if got := rec.Body.Bytes(); !bytes.Equal(got, want) {
				t.Errorf("GET %s: %d bytes differ from the encoder's %d:\n%.300q\nwant\n%.300q", path, len(got), len(want), got, want)
			}
			if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type %q", ct)
			}
		})
	}
}

// TestHistorySlowClientsMemory holds many requests for the full ring by
// clients that read the first bytes of their answer and then nothing: the
// agent's heap must stay far below its 64 MiB container limit, where one
// whole document per client took hundreds of MiB.
func TestHistorySlowClientsMemory(t *testing.T) {
	const (
		clients   = 64
		maxGrowth = 32 << 20
	)
	handler, err := historyAPI("db-7.example", filledHistory(fullRing, fullRing)).Handler()
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(handler)
	srv.Listener = smallSendBuffers{srv.Listener}
	srv.Start()
	defer srv.Close()
	before := heapInuse()
	var conns []net.Conn
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	for range clients {
		c, err := net.Dial("tcp", srv.Listener.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
		// A small receive window: the kernel takes little of the answer.
		_ = c.(*net.TCPConn).SetReadBuffer(4 << 10)
		if _, err := io.WriteString(c, "GET /api/v1/history HTTP/1.1\r\nHost: agent\r\n\r\n"); err != nil {
			t.Fatal(err)
		}
	}
	// Each answer has begun once its status line arrived; from then on
	// its client reads nothing more.
	for i, c := range conns {
		line, err := bufio.NewReaderSize(c, 16).ReadString('\n')
		if err != nil || line != "HTTP/1.1 200 OK\r\n" {
			t.Fatalf("client %d: %q, %v", i, line, err)
		}
	}
	after := heapInuse()
	growth := int64(after) - int64(before)
	t.Logf("%d clients holding the full ring's history: heap in use %.1f -> %.1f MiB", clients, float64(before)/(1<<20), float64(after)/(1<<20))
	if growth > maxGrowth {
		t.Errorf("%d clients that do not read grew the heap by %.1f MiB, want at most %d MiB", clients, float64(growth)/(1<<20), maxGrowth>>20)
	}
}

// smallSendBuffers gives every accepted connection a small send buffer,
// so that, as on a loaded host, the kernel takes little of an answer its
// client does not read: the rest waits in the agent.
type smallSendBuffers struct{ net.Listener }

func (l smallSendBuffers) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if tc, ok := c.(*net.TCPConn); ok {
		_ = tc.SetWriteBuffer(16 << 10)
	}
	return c, err
}

// heapInuse is the heap in use after a collection.
func heapInuse() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse
}

// discardResponse is a ResponseWriter that keeps nothing.
type discardResponse struct{ header http.Header }

func (d *discardResponse) Header() http.Header         { return d.header }
func (d *discardResponse) Write(b []byte) (int, error) { return len(b), nil }
func (d *discardResponse) WriteHeader(int)             {}

func BenchmarkHistoryJSON(b *testing.B) {
	handler, err := historyAPI("db-7.example", filledHistory(fullRing, fullRing)).Handler()
	if err != nil {
		b.Fatal(err)
	}
	req := httptest.NewRequest(http.MethodGet, "/api/v1/history", nil)
	b.ReportAllocs()
	for b.Loop() {
		handler.ServeHTTP(&discardResponse{header: http.Header{}}, req)
	}
}

// TestHistoryEachWhileAdding walks a ring that the agent overwrites
// between two chunks: the walk skips what was overwritten, keeps its
// points oldest first and ends at the newest point it started with.
func TestHistoryEachWhileAdding(t *testing.T) {
	const capacity = historyChunk + 100
	tests := []struct {
		name     string
		added    int // estimates added after the first chunk
		wantSeen int
	}{
		{"nothing added", 0, capacity},
		{"only seen points overwritten", historyChunk, capacity},
		{"unseen points overwritten", historyChunk + 44, capacity - 44},
		{"all overwritten", capacity, historyChunk},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := filledHistory(capacity, capacity)
			var seen []HistoryPoint
			err := h.Each(time.Time{}, func(points []HistoryPoint) error {
				if len(seen) == 0 {
					for i := range tc.added {
						h.Add(estimator.Estimate{Time: now.Add(time.Duration(i+1) * time.Second), ErrorBound: time.Millisecond})
					}
				}
				seen = append(seen, points...)
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if len(seen) != tc.wantSeen {
				t.Errorf("%d points, want %d", len(seen), tc.wantSeen)
			}
			for i := 1; i < len(seen); i++ {
				if !seen[i].Time.After(seen[i-1].Time) || seen[i].Time.After(now) {
					t.Fatalf("point %d at %v after %v: out of order or added after the walk began", i, seen[i].Time, seen[i-1].Time)
				}
			}
		})
	}
}
