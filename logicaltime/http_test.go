package logicaltime

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// TestHTTPCarriesCausality sends requests from a client clock to a server
// clock that is an hour behind and checks that each side's timestamps follow
// the other's.
func TestHTTPCarriesCausality(t *testing.T) {
	serverTime, clientTime := &ManualClock{}, &ManualClock{}
	serverTime.Set(time.Unix(0, at(0, 0)))
	clientTime.Set(time.Unix(0, at(0, time.Hour)))
	server := NewHLC(WithPhysicalClock(serverTime.Now), WithMaxOffset(0))
	client := NewHLC(WithPhysicalClock(clientTime.Now), WithMaxOffset(0))

	var handled Timestamp
	srv := httptest.NewServer(Middleware(server, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		received, ok := TimestampFromContext(r.Context())
		if !ok {
			t.Error("no receive timestamp in the request context")
		}
		handled = server.Now()
		if !received.Before(handled) {
			t.Errorf("handler's %v is not after the receive %v", handled, received)
		}
		io.WriteString(w, "ok")
	})))
	defer srv.Close()
	httpClient := &http.Client{Transport: &Transport{Clock: client}}

	for range 3 {
		sent := client.Now()
		resp, err := httpClient.Get(srv.URL)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if !sent.Before(handled) {
			t.Errorf("server handled at %v, not after the client's earlier %v", handled, sent)
		}
		stamp, err := ParseTimestamp(resp.Header.Get(Header))
		if err != nil || !handled.Before(stamp) {
			t.Errorf("response stamp %q (%v) is not after the handler's %v", resp.Header.Get(Header), err, handled)
		}
		if after := client.Now(); !stamp.Before(after) {
			t.Errorf("client's %v after the response is not after its stamp %v", after, stamp)
		}
	}
}

func TestMiddlewareRejects(t *testing.T) {
	clock := &ManualClock{}
	clock.Set(time.Unix(0, at(0, 0)))
	server := NewHLC(WithPhysicalClock(clock.Now), WithMaxOffset(time.Second))
	reached := false
	handler := Middleware(server, http.HandlerFunc(func(http.ResponseWriter, *http.Request) { reached = true }))
	tests := []struct {
		name       string
		stamp      string
		wantStatus int
		wantBody   string
	}{
		{"no stamp: passes, response stamped", "", http.StatusOK, ""},
		{"malformed", "yesterday", http.StatusBadRequest, "header Clockwatch-Hlc"},
		{"too far ahead", TimestampAt(time.Unix(0, at(0, time.Minute))).String(), http.StatusBadRequest, "ahead of the local clock"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reached = false
			req := httptest.NewRequest(http.MethodGet, "/", nil)
			if tt.stamp != "" {
				req.Header.Set(Header, tt.stamp)
			}
			rec := httptest.NewRecorder()
			handler.ServeHTTP(rec, req)
			if rec.Code != tt.wantStatus || !strings.Contains(rec.Body.String(), tt.wantBody) || reached != (tt.wantStatus == http.StatusOK) {
				t.Errorf("status %d, body %q, handler reached %v; want %d mentioning %q", rec.Code, rec.Body, reached, tt.wantStatus, tt.wantBody)
			}
			if tt.wantStatus == http.StatusOK && rec.Header().Get(Header) == "" {
				t.Error("a response without body was not stamped")
			}
		})
	}
}

func TestTransportRejectsBadResponses(t *testing.T) {
	tests := []struct {
		name, stamp, wantErr string
	}{
		{"malformed", "soon", "header Clockwatch-Hlc"},
		{"too far ahead", TimestampAt(time.Now().Add(time.Hour)).String(), "ahead of the local clock"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.Header.Get(Header) == "" {
					t.Error("request not stamped")
				}
				w.Header().Set(Header, tt.stamp)
			}))
			defer srv.Close()
			client := &http.Client{Transport: &Transport{Clock: NewHLC()}}
			resp, err := client.Get(srv.URL)
			if err == nil {
				resp.Body.Close()
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("Get error = %v, want one mentioning %q", err, tt.wantErr)
			}
		})
	}
}
