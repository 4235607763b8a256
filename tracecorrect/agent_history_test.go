package tracecorrect

import (
	"context"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestFetchAgentHistory(t *testing.T) {
	since := time.Date(2026, 1, 1, 0, 0, 0, 250, time.UTC)
	var gotSince string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/api/v1/history" {
			http.NotFound(w, r)
			return
		}
		gotSince = r.URL.Query().Get("since")
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"host": "web-1", "estimates": [
			{"time": "2026-01-01T00:00:01Z", "offset_seconds": 0, "error_bound_seconds": 0, "synchronized": false},
			{"time": "2026-01-01T00:00:02Z", "offset_seconds": 0.002, "error_bound_seconds": 0.0003, "synchronized": true}]}`))
	}))
	defer srv.Close()

	got, err := FetchAgentHistory(context.Background(), srv.Client(), srv.URL+"/", since)
	if err != nil {
		t.Fatal(err)
	}
	want := Offsets{"web-1": {{
		Time:       time.Date(2026, 1, 1, 0, 0, 2, 0, time.UTC),
		Offset:     2 * time.Millisecond,
		ErrorBound: 300 * time.Microsecond,
	}}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %v, want %v (the unsynchronized estimate left out)", got, want)
	}
	if gotSince != "2026-01-01T00:00:00.00000025Z" {
		t.Errorf("since = %q, want RFC3339Nano of %v", gotSince, since)
	}
}

func TestFetchAgentHistoryErrors(t *testing.T) {
	tests := []struct {
		name    string
		status  int
		body    string
		url     string
		wantErr string
	}{
		{name: "not found", status: http.StatusNotFound, body: "no such page", wantErr: "HTTP 404 Not Found: no such page"},
		{name: "not JSON", status: http.StatusOK, body: "<html>", wantErr: "decode history"},
		{name: "no host", status: http.StatusOK, body: `{"estimates": []}`, wantErr: `names no "host"`},
		{name: "bad estimate", status: http.StatusOK, body: `{"host": "a", "estimates": [{"time": "2026-01-01T00:00:00Z", "error_bound_seconds": -1, "synchronized": true}]}`, wantErr: "history estimate 0: error bound"},
		{name: "relative URL", url: "web-1:9000", wantErr: "want an absolute URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(tt.status)
				w.Write([]byte(tt.body))
			}))
			defer srv.Close()
			url := srv.URL
			if tt.url != "" {
				url = tt.url
			}
			_, err := FetchAgentHistory(context.Background(), srv.Client(), url, time.Now())
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("error = %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}

func FuzzDecodeAgentHistory(f *testing.F) {
	f.Add(`{"host": "web-1", "estimates": [{"time": "2026-01-01T00:00:02Z", "offset_seconds": 0.002, "error_bound_seconds": 0.0003, "synchronized": true}]}`)
	f.Add(`{"host": "", "estimates": null}`)
	f.Fuzz(func(t *testing.T, in string) {
		offsets, err := decodeAgentHistory(strings.NewReader(in))
		if err != nil {
			return
		}
		if len(offsets) != 1 {
			t.Errorf("history gave %d hosts, want 1", len(offsets))
		}
		if err := offsets.Validate(); err != nil {
			t.Errorf("decoded history does not validate: %v", err)
		}
	})
}
