package exporters

import (
	"encoding/json"
	"errors"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/clockwatch/clockwatch/estimator"
	"github.com/clockwatch/clockwatch/internal/hostid"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

var now = time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)

// testEstimate is a synchronized estimate with one good and one bad source.
func testEstimate() estimator.Estimate {
	return estimator.Estimate{
		Time: now, Status: estimator.StatusSynchronized, Synchronized: true,
		Offset: 1500 * time.Microsecond, ErrorBound: 300 * time.Microsecond,
		OffsetMin: 1250 * time.Microsecond, OffsetMax: 1800 * time.Microsecond,
		Drift: 12e-6, DriftBound: 1e-6, DriftModel: estimator.DriftModelEnvelope, LastSample: now.Add(-time.Second), Steps: 2,
		BoundParts: estimator.BoundParts{Measurement: 100 * time.Microsecond, RootDistance: 150 * time.Microsecond, DriftGrowth: 50 * time.Microsecond},
		LastStep:   estimator.StepEvent{At: now.Add(-time.Hour), Size: 30 * time.Millisecond},
		Sources: []estimator.SourceEstimate{
			{
				SourceInfo: estimator.SourceInfo{Name: "a:123", Kind: estimator.KindNTP, Address: "192.0.2.1:123"},
				Status:     estimator.SourceSelected, Selected: true, Reachable: true,
				Offset: 1400 * time.Microsecond, ErrorBound: 400 * time.Microsecond, Delay: 500 * time.Microsecond,
				Stratum: 2, LastSample: now.Add(-time.Second), Results: map[estimator.Result]uint64{"ok": 10, "timeout": 1},
				Reach: 0o377, Poll: 64 * time.Second, Leap: estimator.LeapInsert, ReferenceID: 0xc0000201,
			},
			{
				SourceInfo: estimator.SourceInfo{Name: "b:123", Kind: estimator.KindNTP, Address: "192.0.2.2:123"},
				Status:     estimator.SourceUnreachable, ErrorBound: estimator.UnknownBound,
				Results: map[estimator.Result]uint64{"timeout": 8},
			},
		},
	}
}

func TestStatusJSONShape(t *testing.T) {
	data, err := json.Marshal(NewStatus(testEstimate()))
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"time", "synchronized", "offset_seconds", "error_bound_seconds", "drift_ppm", "sources"} {
		if _, ok := doc[key]; !ok {
			t.Errorf("status lacks %q", key)
		}
	}
	parts := doc["bound_parts"].(map[string]any)
	if parts["root_distance_seconds"].(float64) != 0.00015 || doc["last_step"].(map[string]any)["size_seconds"].(float64) != 0.03 {
		t.Errorf("bound parts %v, last step %v", parts, doc["last_step"])
	}
	if iv := doc["offset_interval"].(map[string]any); iv["min_seconds"].(float64) != 0.00125 || iv["max_seconds"].(float64) != 0.0018 {
		t.Errorf("offset interval %v", iv)
	}
	if doc["offset_seconds"].(float64) != 0.0015 || doc["drift_ppm"].(float64) != 12 || doc["drift_model"] != "envelope" {
		t.Errorf("offset %v drift %v (%v)", doc["offset_seconds"], doc["drift_ppm"], doc["drift_model"])
	}
	sources := doc["sources"].([]any)
	first := sources[0].(map[string]any)
	for _, key := range []string{"name", "kind", "address", "reachable", "selected", "offset_seconds", "delay_seconds", "error_bound_seconds", "stratum", "last_sample", "status"} {
		if _, ok := first[key]; !ok {
			t.Errorf("source lacks %q", key)
		}
	}
	if first["poll_seconds"] != 64.0 || first["reach"] != 255.0 || first["leap"] != "insert_second" ||
		first["reference_id"] != "C0000201" || first["reference"] != "192.0.2.1" {
		t.Errorf("source's chronyc sources columns: poll %v reach %v leap %v reference %v (%v)",
			first["poll_seconds"], first["reach"], first["leap"], first["reference_id"], first["reference"])
	}
	second := sources[1].(map[string]any)
	if second["last_sample"] != nil || second["error_bound_seconds"].(float64) < 1e9 {
		t.Errorf("a source without data: last_sample %v bound %v", second["last_sample"], second["error_bound_seconds"])
	}
	for _, key := range []string{"leap", "reference_id", "reference"} {
		if v, ok := second[key]; ok {
			t.Errorf("a source without data has %s %v", key, v)
		}
	}
	if second["reach"] != 0.0 || second["poll_seconds"] != 0.0 {
		t.Errorf("a source without data: reach %v poll %v, want 0 0", second["reach"], second["poll_seconds"])
	}
}

func TestReferenceName(t *testing.T) {
	tests := []struct {
		id      uint32
		stratum uint8
		want    string
	}{
		{id: 0xc0000201, stratum: 2, want: "192.0.2.1"},
		{id: 0xc0000201, stratum: 15, want: "192.0.2.1"},
		{id: 0x47505300, stratum: 1, want: "GPS"},
		{id: 0x50505300, stratum: 1, want: "PPS"},
		{id: 0x52415445, stratum: 0, want: "RATE"},
		{id: 0x7f000001, stratum: 1, want: "7F000001"},
		{id: 0xff414243, stratum: 1, want: "FF414243"},
	}
	for _, tt := range tests {
		if got := ReferenceName(tt.id, tt.stratum); got != tt.want {
			t.Errorf("ReferenceName(%08X, %d) = %q, want %q", tt.id, tt.stratum, got, tt.want)
		}
	}
}

func TestCollectorLintsClean(t *testing.T) {
	c := NewCollector(testEstimate)
	problems, err := testutil.CollectAndLint(c)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("lint: %s: %s", p.Metric, p.Text)
	}
	want := `
# HELP clockwatch_offset_seconds Estimated offset of this host's clock: local clock minus true time (positive: this host is ahead). Absent until something is measured.
# TYPE clockwatch_offset_seconds gauge
clockwatch_offset_seconds 0.0015
# HELP clockwatch_frequency_model_info What clockwatch_frequency_uncertainty_ratio, and so the growth of the error bound with time, relies on, as a label; always 1. intervals: proven by the samples alone. envelope: the one-way delays' envelopes, assuming each path's minimum delay is constant between the route changes clockwatch detects. none: nothing measured yet.
# TYPE clockwatch_frequency_model_info gauge
clockwatch_frequency_model_info{model="envelope"} 1
# HELP clockwatch_source_samples_total Polls of a source by result: ok, or why no sample came (timeout, bad_origin, kod, malformed, ...).
# TYPE clockwatch_source_samples_total counter
clockwatch_source_samples_total{kind="ntp",result="ok",source="a:123"} 10
clockwatch_source_samples_total{kind="ntp",result="ok",source="b:123"} 0
clockwatch_source_samples_total{kind="ntp",result="timeout",source="a:123"} 1
clockwatch_source_samples_total{kind="ntp",result="timeout",source="b:123"} 8
`
	if err := testutil.CollectAndCompare(c, strings.NewReader(want), "clockwatch_offset_seconds", "clockwatch_frequency_model_info", "clockwatch_source_samples_total"); err != nil {
		t.Error(err)
	}
}

func TestCollectorUnknownEstimate(t *testing.T) {
	c := NewCollector(func() estimator.Estimate { return estimator.Estimate{ErrorBound: estimator.UnknownBound} })
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(c)
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		switch f.GetName() {
		case "clockwatch_offset_seconds":
			t.Error("an unknown offset was exported")
		case "clockwatch_error_bound_seconds":
			if v := f.GetMetric()[0].GetGauge().GetValue(); !math.IsInf(v, 1) {
				t.Errorf("unknown bound exported as %g, want +Inf", v)
			}
		}
	}
}

func TestHistoryRing(t *testing.T) {
	h := NewHistory(3)
	for i := range 5 {
		e := testEstimate()
		e.Time = now.Add(time.Duration(i) * time.Second)
		h.Add(e)
	}
	h.Add(estimator.Estimate{Time: now.Add(time.Hour), ErrorBound: estimator.UnknownBound})
	got := h.Since(time.Time{})
	if len(got) != 3 || !got[0].Time.Equal(now.Add(2*time.Second)) || !got[2].Time.Equal(now.Add(4*time.Second)) {
		t.Fatalf("history %+v: want the last three, oldest first", got)
	}
	if got := h.Since(now.Add(4 * time.Second)); len(got) != 1 {
		t.Errorf("since the newest: %d points", len(got))
	}
}

func TestAPI(t *testing.T) {
	h := NewHistory(10)
	h.Add(testEstimate())
	healthErr := error(nil)
	api := &API{
		Current: testEstimate, History: h, Host: "host-1", Gatherer: prometheus.NewRegistry(),
		Health: func() error { return healthErr }, Logger: slog.New(slog.DiscardHandler),
	}
	handler, err := api.Handler()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		path string
		code int
		body string
	}{
		{"/", http.StatusOK, "/api/v1/status"},
		{"/api/v1/status", http.StatusOK, `"synchronized": true`},
		{"/api/v1/history", http.StatusOK, `"host": "host-1"`},
		{"/api/v1/history?since=2026-05-01T09:59:00Z", http.StatusOK, `"offset_seconds": 0.0015`},
		{"/api/v1/history?since=yesterday", http.StatusBadRequest, "RFC 3339"},
		{"/healthz", http.StatusOK, "ok"},
		{"/-/healthy", http.StatusOK, "ok"},
		{"/nope", http.StatusNotFound, ""},
	}
	for _, tc := range tests {
		rec := httptest.NewRecorder()
		handler.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, tc.path, nil))
		if rec.Code != tc.code || !strings.Contains(rec.Body.String(), tc.body) {
			t.Errorf("GET %s: %d %q, want %d containing %q", tc.path, rec.Code, rec.Body.String(), tc.code, tc.body)
		}
	}
	healthErr = errors.New("peers see this host 40ms off")
	rec := httptest.NewRecorder()
	handler.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/healthz", nil))
	if rec.Code != http.StatusServiceUnavailable || !strings.Contains(rec.Body.String(), "40ms") {
		t.Errorf("unhealthy: %d %q", rec.Code, rec.Body.String())
	}
	rec = httptest.NewRecorder()
	handler.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/-/healthy", nil))
	if rec.Code != http.StatusOK {
		t.Errorf("liveness follows the clock's health: %d", rec.Code)
	}
}

func TestStateFileRoundTrip(t *testing.T) {
	dir := t.TempDir()
	if _, err := LoadState(dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing state: %v, want os.ErrNotExist", err)
	}
	if err := SaveState(dir, NewState(testEstimate())); err != nil {
		t.Fatal(err)
	}
	s, err := LoadState(dir)
	if err != nil {
		t.Fatal(err)
	}
	if w, err := s.WarmDrift(s.Time, hostid.Identity{}, 0, false); err != nil || w.Drift != 12e-6 || s.OffsetSeconds != 0.0015 || s.DriftModel != "envelope" {
		t.Errorf("round trip: %+v (%v)", s, err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("temporary files left behind: %v", entries)
	}
}

func TestStateFileDamage(t *testing.T) {
	tests := []struct{ name, content string }{
		{"truncated", `{"version": 1, "drift_ppm": 3`},
		{"garbage", "\x00\x01not json"},
		{"old version", `{"version": 0, "drift_ppm": 3}`},
		{"impossible drift", `{"version": 1, "drift_ppm": 9000}`},
		{"impossible kernel frequency", `{"version": 1, "drift_ppm": 3, "kernel_frequency_ppm": 1e9}`},
		{"oversized", `{"version": 1, "drift_ppm": 3, "pad": "` + strings.Repeat("x", MaxStateFileSize) + `"}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, StateFileName), []byte(tc.content), 0o644); err != nil {
				t.Fatal(err)
			}
			if _, err := LoadState(dir); err == nil || !strings.Contains(err.Error(), "rewritten") {
				t.Errorf("damaged state accepted or unclear error: %v", err)
			}
		})
	}
}

func TestStateSaverRateLimits(t *testing.T) {
	dir := t.TempDir()
	s := NewStateSaver(dir, time.Minute, hostid.Identity{}, noKernel)
	e := testEstimate()
	if err := s.MaybeSave(now, e); err != nil {
		t.Fatal(err)
	}
	e.Drift = 99e-6
	if err := s.MaybeSave(now.Add(30*time.Second), e); err != nil {
		t.Fatal(err)
	}
	if st, _ := LoadState(dir); st.DriftPPM != 12 {
		t.Errorf("saved again within a minute: drift %g", st.DriftPPM)
	}
	if err := s.MaybeSave(now.Add(61*time.Second), e); err != nil {
		t.Fatal(err)
	}
	if st, _ := LoadState(dir); st.DriftPPM != 99 {
		t.Errorf("not saved after a minute: drift %g", st.DriftPPM)
	}
}

func FuzzLoadState(f *testing.F) {
	f.Add([]byte(`{"version": 1, "drift_ppm": 3.5, "drift_bound_ppm": 0.2}`))
	f.Add([]byte(`{"version": 1, "drift_ppm": NaN}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, StateFileName), data, 0o644); err != nil {
			t.Fatal(err)
		}
		s, err := LoadState(dir)
		if err == nil && (math.IsNaN(s.DriftPPM) || math.Abs(s.DriftPPM) > 500) {
			t.Errorf("accepted impossible drift %g", s.DriftPPM)
		}
	})
}

// noKernel is a kernel whose frequency correction cannot be read.
func noKernel() (float64, bool) { return 0, false }

// TestWarmDrift: the saved drift follows the change of the kernel's
// frequency correction between runs (the drift includes it), grows less
// certain with age and with what is not known of that change, and does
// not apply on another machine or when it was measured badly.
func TestWarmDrift(t *testing.T) {
	here := hostid.Identity{Machine: "m1", Hardware: "h1"}
	kernel := 3.0
	saved := State{Version: stateVersion, Time: now, DriftPPM: 12, DriftBoundPPM: 0.5, KernelFrequencyPPM: &kernel, Host: here}
	tests := []struct {
		name      string
		state     func(State) State
		age       time.Duration
		host      *hostid.Identity // nil: the machine that saved it
		kernelNow float64
		known     bool
		want      WarmDrift
		wantErr   string
	}{
		{name: "kernel unchanged", kernelNow: 3e-6, known: true, want: WarmDrift{12e-6, 0.5e-6}},
		{name: "kernel raised", kernelNow: 8e-6, known: true, want: WarmDrift{17e-6, 0.5e-6}},
		{name: "kernel lowered", kernelNow: -2e-6, known: true, want: WarmDrift{7e-6, 0.5e-6}},
		{name: "kernel unknown now", want: WarmDrift{12e-6, 3.5e-6}},
		{name: "kernel not saved", state: func(s State) State { s.KernelFrequencyPPM = nil; return s }, kernelNow: 40e-6, known: true, want: WarmDrift{12e-6, 40.5e-6}},
		{name: "ten days old", age: 240 * time.Hour, kernelNow: 3e-6, known: true, want: WarmDrift{12e-6, 10.5e-6}},
		{name: "saved in the future", age: -48 * time.Hour, kernelNow: 3e-6, known: true, want: WarmDrift{12e-6, 2.5e-6}},
		{name: "unknown identity", host: &hostid.Identity{}, kernelNow: 3e-6, known: true, want: WarmDrift{12e-6, 0.5e-6}},
		{name: "cloned disk", host: &hostid.Identity{Machine: "m1", Hardware: "h2"}, wantErr: "another hardware"},
		{name: "other machine", host: &hostid.Identity{Machine: "m2", Hardware: "h1"}, wantErr: "another machine"},
		{name: "badly measured", state: func(s State) State { s.DriftBoundPPM = 30; return s }, wantErr: "too little"},
		{name: "no bound", state: func(s State) State { s.DriftBoundPPM = math.NaN(); return s }, wantErr: "too little"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st := saved
			if tc.state != nil {
				st = tc.state(st)
			}
			host := here
			if tc.host != nil {
				host = *tc.host
			}
			got, err := st.WarmDrift(now.Add(tc.age), host, tc.kernelNow, tc.known)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want one saying %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if math.Abs(got.Drift-tc.want.Drift) > 1e-15 || math.Abs(got.Uncertainty-tc.want.Uncertainty) > 1e-15 {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}

// TestStateSaverMarksHostAndKernel: every saved state carries the machine
// and the kernel frequency the drift was measured against.
func TestStateSaverMarksHostAndKernel(t *testing.T) {
	dir := t.TempDir()
	host := hostid.Identity{Machine: "m1", Hardware: "h1"}
	s := NewStateSaver(dir, time.Minute, host, func() (float64, bool) { return 3e-6, true })
	if err := s.Save(now, testEstimate()); err != nil {
		t.Fatal(err)
	}
	st, err := LoadState(dir)
	if err != nil {
		t.Fatal(err)
	}
	if st.Host != host || st.KernelFrequencyPPM == nil || math.Abs(*st.KernelFrequencyPPM-3) > 1e-9 {
		t.Errorf("saved host %+v, kernel frequency %v", st.Host, st.KernelFrequencyPPM)
	}
}
