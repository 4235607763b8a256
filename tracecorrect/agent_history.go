package tracecorrect

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// agentHistoryPath is the clockwatch agent's endpoint of recent estimates.
const agentHistoryPath = "/api/v1/history"

// agentHistory is the JSON the agent's history endpoint returns, oldest
// estimate first.
type agentHistory struct {
	Host      string                 `json:"host"`
	Estimates []agentHistoryEstimate `json:"estimates"`
}

// agentHistoryEstimate is one past estimate of the agent.
type agentHistoryEstimate struct {
	Time              time.Time `json:"time"`
	OffsetSeconds     float64   `json:"offset_seconds"`
	ErrorBoundSeconds float64   `json:"error_bound_seconds"`
	Synchronized      bool      `json:"synchronized"`
}

// maxAgentHistoryBytes caps the history response; a day of estimates every
// second is about 10 MB.
const maxAgentHistoryBytes = 64 << 20

// FetchAgentHistory asks the clockwatch agent at baseURL (its
// --web.listen-address, for example http://web-1:PORT) for its estimates
// since the given time, with
// GET /api/v1/history?since=RFC3339Nano, and returns them under the host
// name the agent reports. Estimates made while the agent was not
// synchronized carry no offset and are left out.
func FetchAgentHistory(ctx context.Context, client *http.Client, baseURL string, since time.Time) (Offsets, error) {
	endpoint, err := historyURL(baseURL, since)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, endpoint, nil)
	if err != nil {
		return nil, fmt.Errorf("agent history %s: %w", endpoint, err)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("agent history %s: %w (is the agent running and its --web.listen-address reachable?)", endpoint, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return nil, fmt.Errorf("agent history %s: HTTP %s: %s", endpoint, resp.Status, strings.TrimSpace(string(body)))
	}
	offsets, err := decodeAgentHistory(io.LimitReader(resp.Body, maxAgentHistoryBytes))
	if err != nil {
		return nil, fmt.Errorf("agent history %s: %w", endpoint, err)
	}
	return offsets, nil
}

// historyURL joins the agent's base URL, the history path and the since
// parameter.
func historyURL(baseURL string, since time.Time) (string, error) {
	u, err := url.Parse(baseURL)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return "", fmt.Errorf("agent URL %q: want an absolute URL such as http://host:port", baseURL)
	}
	u.Path = strings.TrimSuffix(u.Path, "/") + agentHistoryPath
	u.RawQuery = url.Values{"since": {since.UTC().Format(time.RFC3339Nano)}}.Encode()
	return u.String(), nil
}

// decodeAgentHistory reads the history JSON into offsets of its one host.
func decodeAgentHistory(r io.Reader) (Offsets, error) {
	var h agentHistory
	if err := json.NewDecoder(r).Decode(&h); err != nil {
		return nil, fmt.Errorf("decode history: %w; expected {\"host\", \"estimates\": [...]}", err)
	}
	if h.Host == "" {
		return nil, errors.New(`history names no "host"; cannot match it to spans`)
	}
	ms := make([]Measurement, 0, len(h.Estimates))
	for i, e := range h.Estimates {
		if !e.Synchronized {
			continue
		}
		m, err := newMeasurement(e.Time, e.OffsetSeconds, e.ErrorBoundSeconds)
		if err != nil {
			return nil, fmt.Errorf("history estimate %d: %w", i, err)
		}
		ms = append(ms, m)
	}
	return Offsets{h.Host: ms}, nil
}
