package exporters

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/clockwatch/clockwatch/estimator"
	"github.com/prometheus/client_golang/prometheus"
)

// API serves the agent's HTTP endpoints: the landing page, /metrics,
// /api/v1/status, /api/v1/history and /healthz.
type API struct {
	// Current returns the estimate carried to the present.
	Current func() estimator.Estimate
	// History holds recent estimates for /api/v1/history.
	History *History
	// Host names this host in the history document.
	Host string
	// Gatherer is what /metrics serves.
	Gatherer prometheus.Gatherer
	// Health, when set, makes /healthz fail with its error.
	Health func() error
	// PageRefresh is how often the page at / refreshes itself;
	// DefaultPageRefresh when zero.
	PageRefresh time.Duration
	Logger      *slog.Logger
}

// Handler returns the mux of every endpoint.
func (a *API) Handler() (http.Handler, error) {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", a.page)
	mux.HandleFunc("GET /page/{file}", a.pageAsset)
	mux.Handle("GET /metrics", metricsHandler(a.Gatherer, a.Logger))
	mux.HandleFunc("GET /api/v1/status", a.status)
	mux.HandleFunc("GET /api/v1/history", a.history)
	mux.HandleFunc("GET /healthz", a.healthz)
	mux.HandleFunc("GET /-/healthy", alive)
	return mux, nil
}

func (a *API) status(w http.ResponseWriter, _ *http.Request) {
	a.writeJSON(w, http.StatusOK, NewStatus(a.Current()))
}

func (a *API) history(w http.ResponseWriter, r *http.Request) {
	var since time.Time
	if s := r.URL.Query().Get("since"); s != "" {
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			a.writeJSON(w, http.StatusBadRequest, map[string]string{"error": fmt.Sprintf("since=%q is not an RFC 3339 time such as 2026-01-02T15:04:05Z", s)})
			return
		}
		since = t
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	if err := writeHistory(w, a.Host, a.History, since); err != nil {
		a.Logger.Debug("write response", "err", err)
	}
}

func (a *API) healthz(w http.ResponseWriter, _ *http.Request) {
	if a.Health != nil {
		if err := a.Health(); err != nil {
			http.Error(w, err.Error(), http.StatusServiceUnavailable)
			return
		}
	}
	_, _ = w.Write([]byte("ok\n"))
}

// alive answers the liveness probe: the agent serves, whatever the clock.
// Restarting the agent cannot fix a clock, so liveness checks nothing else.
func alive(w http.ResponseWriter, _ *http.Request) {
	_, _ = w.Write([]byte("ok\n"))
}

func (a *API) writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		a.Logger.Debug("write response", "err", err)
	}
}
