package exporters

import (
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/clockwatch/clockwatch/estimator"
	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/net/html"
)

func TestFormatSeconds(t *testing.T) {
	tests := []struct {
		v            float64
		plain, signd string
	}{
		{0.0015, "1.500 ms", "+1.500 ms"},
		{-0.0015, "−1.500 ms", "−1.500 ms"},
		{0.0003, "300.0 µs", "+300.0 µs"},
		{0.00001234, "12.34 µs", "+12.34 µs"},
		{42e-9, "42 ns", "+42 ns"},
		{0.9999996, "1.000 s", "+1.000 s"}, // rounds up into the next unit
		{0.00099996, "1.000 ms", "+1.000 ms"},
		{3600, "3600 s", "+3600 s"},
		{0, "0 s", "+0 s"},
		{maxJSONBound, "unknown", "unknown"},
		{math.Inf(1), "unknown", "unknown"},
	}
	for _, tc := range tests {
		if got := formatSeconds(tc.v); got != tc.plain {
			t.Errorf("formatSeconds(%g) = %q, want %q", tc.v, got, tc.plain)
		}
		if got := formatSignedSeconds(tc.v); got != tc.signd {
			t.Errorf("formatSignedSeconds(%g) = %q, want %q", tc.v, got, tc.signd)
		}
	}
}

// FuzzFormatSeconds checks that any value shows as a number below 1000
// with a unit (or as unknown), whatever it is.
func FuzzFormatSeconds(f *testing.F) {
	for _, v := range []float64{0, 1e-9, 0.5e-9, 999.95e-6, -12.5, 1e300, math.NaN(), math.Inf(-1)} {
		f.Add(v)
	}
	shown := regexp.MustCompile(`^(unknown|[+−]?\d{1,3}(\.\d+)? (ns|µs|ms)|[+−]?\d+(\.\d+)? s)$`)
	f.Fuzz(func(t *testing.T, v float64) {
		if got := formatSignedSeconds(v); !shown.MatchString(got) {
			t.Errorf("formatSignedSeconds(%g) = %q", v, got)
		}
	})
}

func TestFormatAgeAndPPM(t *testing.T) {
	tests := []struct{ got, want string }{
		{formatAge(1200 * time.Millisecond), "1.2 s ago"},
		{formatAge(45 * time.Second), "45 s ago"},
		{formatAge(50 * time.Minute), "50 min ago"},
		{formatAge(5 * time.Hour), "5 h ago"},
		{formatAge(72 * time.Hour), "3 d ago"},
		{formatAge(-time.Second), "just now"},
		{formatPPM(11.7344), "+11.734 ppm"},
		{formatPPM(-0.5), "−0.500 ppm"},
	}
	for _, tc := range tests {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
}

// getPage serves the page for an estimate and its history.
func getPage(t *testing.T, e estimator.Estimate, history *History) *httptest.ResponseRecorder {
	t.Helper()
	api := &API{Current: func() estimator.Estimate { return e }, History: history, Host: "host-1",
		Gatherer: prometheus.NewRegistry(), Logger: slog.New(slog.DiscardHandler)}
	handler, err := api.Handler()
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	handler.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("GET /: %d %s", rec.Code, rec.Body)
	}
	return rec
}

func TestPageShowsTheEstimateAsText(t *testing.T) {
	h := NewHistory(10)
	h.Add(testEstimate())
	rec := getPage(t, testEstimate(), h)
	body := html.UnescapeString(rec.Body.String())
	for _, want := range []string{
		`<data id="offset" value="0.0015">+1.500 ms</data>`,
		`<data id="bound" value="0.0003">300.0 µs</data>`,
		`<span class="state-badge" id="state">synchronized</span>`,
		`<data id="offset-min" value="0.00125">+1.250 ms</data>`,
		`<data id="drift" value="12">+12.000 ppm</data>`,
		`<data id="part-root" value="0.00015">150.0 µs</data>`,
		`1.500 ms ahead of true time`,
		`last +30.00 ms, 60 min ago`,
		`data-estimates="1"`,
		`<td class="num">64 s</td>`, `<td class="num reach">377<span class="reach-bits"`, `leap: insert second`,
		`<td class="reference">192.0.2.1<span class="note">C0000201</span></td>`,
		`href="/metrics"`, `href="/api/v1/status"`, `href="/api/v1/history"`, `href="/healthz"`, `href="/-/healthy"`,
		`<title>+1.500 ms ± 300.0 µs · host-1 · clockwatch</title>`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("the page lacks %s", want)
		}
	}
	for header, want := range map[string]string{
		"Content-Security-Policy": pageSecurityPolicy, "Content-Type": "text/html; charset=utf-8",
		"X-Content-Type-Options": "nosniff", "Cache-Control": "no-store",
	} {
		if got := rec.Header().Get(header); got != want {
			t.Errorf("%s: %q, want %q", header, got, want)
		}
	}
}

func TestPageWithoutAnEstimate(t *testing.T) {
	e := estimator.Estimate{Time: now, Status: estimator.StatusUnsynchronized, ErrorBound: estimator.UnknownBound,
		BoundParts: estimator.BoundParts{RootDistance: estimator.UnknownBound}}
	body := html.UnescapeString(getPage(t, e, NewHistory(10)).Body.String())
	for _, want := range []string{
		`<span id="offset">unknown</span>`, "Nothing is known about the offset yet", "The bound is unknown until a source answers",
		"No sources are configured", "no estimates yet", `data-estimates="0"`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
}

// TestPageEscapesSources gives sources names and reasons made to break
// out of the page's markup; they must arrive as text, and the page must
// carry no inline script, style or event handler for them to join.
func TestPageEscapesSources(t *testing.T) {
	hostile := []string{
		`<script>alert(1)</script>`,
		`"><img src=x onerror=alert(1)>`,
		`' onmouseover='alert(1)`,
		`</table><style>body{display:none}</style>`,
	}
	e := testEstimate()
	for _, name := range hostile {
		src := e.Sources[0]
		src.Name, src.Address, src.Reason, src.Timestamping, src.Status = name, name, name, name, estimator.SourceStatus(name)
		e.Sources = append(e.Sources, src)
	}
	doc, err := html.Parse(getPage(t, e, nil).Body)
	if err != nil {
		t.Fatal(err)
	}
	var text strings.Builder
	for n := range doc.Descendants() {
		if n.Type == html.TextNode {
			text.WriteString(n.Data)
			continue
		}
		if n.Type != html.ElementNode {
			continue
		}
		switch n.Data {
		case "script":
			if attr(n, "src") != "/page/refresh.js" || n.FirstChild != nil {
				t.Errorf("a script that is not the page's own: src=%q", attr(n, "src"))
			}
		case "style":
			t.Error("a <style> element in the page")
		case "img":
			if attr(n, "src") != "/page/icon.svg" {
				t.Errorf("an image that is not the page's icon: src=%q", attr(n, "src"))
			}
		}
		for _, a := range n.Attr {
			if strings.HasPrefix(a.Key, "on") || a.Key == "style" {
				t.Errorf("<%s %s=%q>: inline code or style", n.Data, a.Key, a.Val)
			}
		}
	}
	for _, name := range hostile {
		if !strings.Contains(text.String(), name) {
			t.Errorf("the name %q is not shown as text", name)
		}
	}
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

func TestPageAssets(t *testing.T) {
	api := &API{Current: testEstimate, History: NewHistory(1), Gatherer: prometheus.NewRegistry(), Logger: slog.New(slog.DiscardHandler)}
	handler, err := api.Handler()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		path, contentType string
		code              int
	}{
		{"/page/refresh.js", "text/javascript; charset=utf-8", http.StatusOK},
		{"/page/style.css", "text/css; charset=utf-8", http.StatusOK},
		{"/page/icon.svg", "image/svg+xml", http.StatusOK},
		{"/page/index.html", "", http.StatusNotFound},
		{"/page/nope.js", "", http.StatusNotFound},
	}
	for _, tc := range tests {
		rec := httptest.NewRecorder()
		handler.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, tc.path, nil))
		if rec.Code != tc.code || (tc.code == http.StatusOK && rec.Header().Get("Content-Type") != tc.contentType) {
			t.Errorf("GET %s: %d %q, want %d %q", tc.path, rec.Code, rec.Header().Get("Content-Type"), tc.code, tc.contentType)
		}
		if tc.code != http.StatusOK {
			continue
		}
		again := httptest.NewRequest(http.MethodGet, tc.path, nil)
		again.Header.Set("If-None-Match", rec.Header().Get("ETag"))
		rec = httptest.NewRecorder()
		handler.ServeHTTP(rec, again)
		if rec.Code != http.StatusNotModified {
			t.Errorf("GET %s with its ETag: %d, want 304", tc.path, rec.Code)
		}
	}
}

// historyPoints makes estimates every step over [from, to) before now.
func historyPoints(from, to, step time.Duration, offset, bound float64, synchronized bool) []HistoryPoint {
	var out []HistoryPoint
	for age := from; age > to; age -= step {
		out = append(out, HistoryPoint{Time: now.Add(-age), OffsetSeconds: offset, ErrorBoundSeconds: bound, Synchronized: synchronized})
	}
	return out
}

func TestPlot(t *testing.T) {
	tests := []struct {
		name                        string
		points                      []HistoryPoint
		estimates, runs, unsyncSpan int
		window                      time.Duration
		summary                     string
	}{
		{name: "empty", window: 5 * time.Minute, summary: "No estimates in the last hour yet."},
		{name: "an hour a second apart", points: historyPoints(time.Hour, 0, time.Second, 1e-3, 2e-4, true),
			estimates: 3600, runs: 1, window: time.Hour, summary: "3600 estimates from 09:00:00 to 09:59:59 UTC: offset between +1.000 ms and +1.000 ms"},
		{name: "a young agent's minute", points: historyPoints(time.Minute, 0, time.Second, 1e-3, 2e-4, true),
			estimates: 60, runs: 1, window: 5 * time.Minute},
		{name: "twenty minutes", points: historyPoints(20*time.Minute, 0, time.Second, 1e-3, 2e-4, true),
			estimates: 1200, runs: 1, window: 30 * time.Minute},
		{name: "older estimates left out", points: historyPoints(2*time.Hour, 0, time.Minute, 1e-3, 2e-4, true),
			estimates: 60, runs: 1, window: time.Hour},
		{name: "a gap breaks the line", points: append(historyPoints(time.Hour, 30*time.Minute, time.Second, 1e-3, 2e-4, true),
			historyPoints(20*time.Minute, 0, time.Second, 1e-3, 2e-4, true)...), estimates: 3000, runs: 2, window: time.Hour},
		{name: "unsynchronized marked", points: append(historyPoints(time.Hour, 30*time.Minute, time.Second, 1e-3, 2e-4, true),
			historyPoints(30*time.Minute, 0, time.Second, 1e-3, 2e-4, false)...), estimates: 3600, runs: 1, unsyncSpan: 218,
			window: time.Hour, summary: "1800 of them unsynchronized"},
		{name: "a lone estimate", points: historyPoints(10*time.Minute, 9*time.Minute, time.Minute, -1e-3, 2e-4, true),
			estimates: 1, runs: 1, window: 15 * time.Minute},
		{name: "unknown bounds left out", points: historyPoints(10*time.Minute, 0, time.Minute, 0, maxJSONBound, false),
			window: 5 * time.Minute},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := newPlot(tc.points, now)
			if p.Window != tc.window {
				t.Errorf("window %v, want %v", p.Window, tc.window)
			}
			if p.Estimates != tc.estimates || len(p.Lines) != tc.runs || len(p.Bands) != tc.runs || len(p.Unsynchronized) != tc.unsyncSpan {
				t.Errorf("%d estimates, %d lines, %d bands, %d unsynchronized spans; want %d, %d, %d, %d",
					p.Estimates, len(p.Lines), len(p.Bands), len(p.Unsynchronized), tc.estimates, tc.runs, tc.runs, tc.unsyncSpan)
			}
			if !strings.Contains(p.Summary, tc.summary) {
				t.Errorf("summary %q lacks %q", p.Summary, tc.summary)
			}
			for _, line := range p.Lines {
				if n := len(strings.Fields(line)); n < 2 || n > int(plotBuckets())+1 {
					t.Errorf("a line of %d points; want 2 to one a bucket", n)
				}
				checkInPlot(t, line, p)
			}
		})
	}
}

// checkInPlot checks that every point of a polyline lies in the plot area.
func checkInPlot(t *testing.T, line string, p plot) {
	t.Helper()
	for _, xy := range strings.Fields(line) {
		var x, y float64
		if _, err := fmt.Sscanf(xy, "%f,%f", &x, &y); err != nil || x < p.Left || x > p.Right+plotColumnsPerBucket || y < p.Top || y > p.Bottom {
			t.Errorf("point %q outside the plot (%v)", xy, err)
			return
		}
	}
}

func TestValueTicks(t *testing.T) {
	tests := []struct {
		lo, hi float64
		labels []string
	}{
		{-0.0001, 0.0021, []string{"0", "+0.5 ms", "+1.0 ms", "+1.5 ms", "+2.0 ms"}},
		{-0.00032, 0.00005, []string{"−300 µs", "−250 µs", "−200 µs", "−150 µs", "−100 µs", "−50 µs", "0", "+50 µs"}},
		{-2e-6, 2e-6, []string{"−2 µs", "−1 µs", "0", "+1 µs", "+2 µs"}},
	}
	for _, tc := range tests {
		var labels []string
		for _, tick := range valueTicks(tc.lo, tc.hi, func(v float64) float64 { return v }) {
			labels = append(labels, tick.Label)
		}
		if strings.Join(labels, " | ") != strings.Join(tc.labels, " | ") {
			t.Errorf("ticks of [%g, %g]: %q, want %q", tc.lo, tc.hi, labels, tc.labels)
		}
	}
}
