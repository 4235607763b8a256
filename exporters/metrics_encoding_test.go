package exporters

import (
	"compress/gzip"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

// TestMetricsEncoding: /metrics answers a scraper that accepts gzip, as
// Prometheus does, uncompressed, and one that refuses an uncompressed reply
// gzipped.
func TestMetricsEncoding(t *testing.T) {
	reg := prometheus.NewRegistry()
	reg.MustRegister(prometheus.NewCounter(prometheus.CounterOpts{Name: "clockwatch_test_total", Help: "A test counter."}))
	h := metricsHandler(reg, slog.New(slog.DiscardHandler))
	for _, tc := range []struct {
		accept, encoding string
	}{
		{"", ""},
		{"gzip", ""},
		{"gzip, deflate, br", ""},
		{"gzip, identity;q=0", "gzip"},
		{"gzip, *;q=0", "gzip"},
	} {
		req := httptest.NewRequest(http.MethodGet, "/metrics", nil)
		if tc.accept != "" {
			req.Header.Set("Accept-Encoding", tc.accept)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if got := rec.Header().Get("Content-Encoding"); got != tc.encoding {
			t.Errorf("Accept-Encoding %q: Content-Encoding %q, want %q", tc.accept, got, tc.encoding)
		}
		body := io.Reader(rec.Body)
		if tc.encoding == "gzip" {
			zr, err := gzip.NewReader(body)
			if err != nil {
				t.Fatalf("Accept-Encoding %q: %v", tc.accept, err)
			}
			body = zr
		}
		text, err := io.ReadAll(body)
		if err != nil {
			t.Fatalf("Accept-Encoding %q: %v", tc.accept, err)
		}
		if !strings.Contains(string(text), "clockwatch_test_total 0") {
			t.Errorf("Accept-Encoding %q: the metrics are missing from the reply:\n%s", tc.accept, text)
		}
	}
}

// TestRefusesIdentity: which Accept-Encoding headers refuse an
// uncompressed reply.
func TestRefusesIdentity(t *testing.T) {
	for _, tc := range []struct {
		values []string
		want   bool
	}{
		{nil, false},
		{[]string{"gzip"}, false},
		{[]string{"gzip;q=1.0, identity; q=0.5, *;q=0"}, false},
		{[]string{"identity;q=0"}, true},
		{[]string{"gzip", "IDENTITY ; Q=0.000"}, true},
		{[]string{"*;q=0"}, true},
		{[]string{"*;q=0, identity"}, false},
		{[]string{"identity;q=zero"}, false},
		{[]string{"identity;q=-1"}, false},
		{[]string{";;,,=;q="}, false},
	} {
		if got := refusesIdentity(tc.values); got != tc.want {
			t.Errorf("refusesIdentity(%q) = %v, want %v", tc.values, got, tc.want)
		}
	}
}

// FuzzRefusesIdentity: any header value is answered without a panic, and
// a header naming identity last with q=0 refuses it.
func FuzzRefusesIdentity(f *testing.F) {
	for _, s := range []string{"", "gzip", "identity;q=0", "*;q=0, identity;q=0.1", "gzip;q=0.5;x=y"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		refusesIdentity([]string{s})
		if !refusesIdentity([]string{s, "identity;q=0"}) {
			t.Errorf("%q then identity;q=0: not refused", s)
		}
	})
}
