package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// promClient talks to Prometheus' HTTP API.
type promClient struct {
	base string
	http *http.Client
}

// apiResponse is the envelope of every API answer.
type apiResponse struct {
	Status    string          `json:"status"`
	Data      json.RawMessage `json:"data"`
	ErrorType string          `json:"errorType"`
	Error     string          `json:"error"`
}

// get GETs path with params and decodes the answer's data into v.
func (c *promClient) get(ctx context.Context, path string, params url.Values, v any) error {
	u := c.base + path
	if len(params) > 0 {
		u += "?" + params.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	var r apiResponse
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
		return fmt.Errorf("%s: %s: %w", path, resp.Status, err)
	}
	if r.Status != "success" {
		return fmt.Errorf("%s: %s: %s", path, r.ErrorType, r.Error)
	}
	return json.Unmarshal(r.Data, v)
}

// metrics scrapes Prometheus' own metrics.
func (c *promClient) metrics(ctx context.Context) (map[string]*dto.MetricFamily, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+"/metrics", nil)
	if err != nil {
		return nil, err
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	parser := expfmt.NewTextParser(model.UTF8Validation)
	return parser.TextToMetricFamilies(io.Reader(resp.Body))
}

// queryResult is a query's answer with its statistics (stats=all).
type queryResult struct {
	ResultType string            `json:"resultType"`
	Result     []json.RawMessage `json:"result"`
	Stats      struct {
		Timings struct {
			ExecTotalTime float64 `json:"execTotalTime"`
		} `json:"timings"`
		Samples struct {
			TotalQueryableSamples int64 `json:"totalQueryableSamples"`
		} `json:"samples"`
	} `json:"stats"`
}

// query runs expr, as an instant query at end or a range query over the
// range before end at step, and returns its answer and how long it took.
func (c *promClient) query(ctx context.Context, expr string, end time.Time, rangeOf, step time.Duration) (queryResult, time.Duration, error) {
	params := url.Values{"query": {expr}, "stats": {"all"}}
	path := "/api/v1/query"
	if rangeOf == 0 {
		params.Set("time", formatTime(end))
	} else {
		path = "/api/v1/query_range"
		params.Set("start", formatTime(end.Add(-rangeOf)))
		params.Set("end", formatTime(end))
		params.Set("step", fmt.Sprint(step.Seconds()))
	}
	var r queryResult
	began := time.Now()
	err := c.get(ctx, path, params, &r)
	return r, time.Since(began), err
}

func formatTime(t time.Time) string { return fmt.Sprintf("%.3f", float64(t.UnixMilli())/1000) }
