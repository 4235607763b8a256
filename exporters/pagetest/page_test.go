package pagetest

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/clockwatch/clockwatch/estimator"
	"github.com/clockwatch/clockwatch/exporters"
	"github.com/prometheus/client_golang/prometheus"
)

// screenshotDir keeps the screenshots where a person can look at them;
// by default they go to the test's temp dir.
var screenshotDirFlag = flag.String("screenshot-dir", "", "write the page's screenshots here instead of the test's temp dir")

// hostileName is a source name that would run script if the page did not
// escape it: source names are user input.
const hostileName = `<img src=x onerror="document.title='pwned'">ntp.example`

// TestPageInBrowser serves the page with known estimates, opens it in
// headless Chromium and checks what the browser renders: the numbers match
// /api/v1/status, the plot has points, a hostile source name shows as
// text, the page keeps to its Content-Security-Policy, and it refreshes by
// itself in place when the estimate changes, and says so when the agent
// stops answering while it keeps the last numbers. It writes screenshots (light
// and dark, and after the refresh) under the test's temp dir and logs their
// paths.
func TestPageInBrowser(t *testing.T) {
	chromium := findChromium(t)
	now := time.Now().UTC().Truncate(time.Second)
	agent := &fakeAgent{estimate: firstEstimate(now)}
	history := exporters.NewHistory(2 * 3600)
	for _, e := range pastHour(now) {
		history.Add(e)
	}
	api := &exporters.API{
		Current: agent.current, History: history, Host: "db-7.example", Gatherer: prometheus.NewRegistry(),
		PageRefresh: 500 * time.Millisecond, Logger: slog.New(slog.DiscardHandler),
	}
	handler, err := api.Handler()
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(handler)
	defer srv.Close()

	ctx, problems := startBrowser(t, chromium)
	if err := chromedp.Do(ctx,
		chromedp.Navigate(srv.URL+"/"),
		chromedp.WaitVisible(chromedp.ID("offset")),
		chromedp.Evaluate[chromedp.Void](`window.clockwatchLoads = (window.clockwatchLoads || 0) + 1`),
	); err != nil {
		t.Fatalf("open the page: %v", err)
	}

	t.Run("numbers match the status API", func(t *testing.T) {
		checkNumbers(t, readPage(t, ctx), getStatus(t, srv.URL))
	})
	t.Run("plot has points", func(t *testing.T) {
		shown := readPage(t, ctx)
		if shown.PlotPoints < 100 || shown.PlotEstimates != 3600-120 {
			t.Errorf("plot: %d polyline points over %d estimates; want ≥ 100 points over the hour's 3480 estimates", shown.PlotPoints, shown.PlotEstimates)
		}
		if shown.PlotLines != 2 || shown.UnsynchronizedSpans == 0 {
			t.Errorf("plot: %d lines, %d unsynchronized spans; want 2 lines (one gap) and the unsynchronized minutes marked", shown.PlotLines, shown.UnsynchronizedSpans)
		}
		if !strings.Contains(shown.PlotDescription, "3480 estimates") {
			t.Errorf("plot's text alternative %q does not say what it shows", shown.PlotDescription)
		}
	})
	t.Run("hostile source name shows as text", func(t *testing.T) {
		shown := readPage(t, ctx)
		if shown.InjectedImages != 0 || strings.Contains(shown.Title, "pwned") {
			t.Errorf("a source name became markup: %d injected images, title %q", shown.InjectedImages, shown.Title)
		}
		if !strings.Contains(shown.Sources[1]["Name"], hostileName) {
			t.Errorf("source row %q does not show the name %q as text", shown.Sources[1], hostileName)
		}
	})

	shots := *screenshotDirFlag
	if shots == "" {
		shots = t.TempDir()
	}
	writeScreenshot(t, ctx, shots, "synchronized", "light")
	writeScreenshot(t, ctx, shots, "synchronized", "dark")

	t.Run("refreshes in place when the estimate changes", func(t *testing.T) {
		next := secondEstimate(now.Add(3 * time.Second))
		history.Add(next)
		agent.set(next)
		want := getStatus(t, srv.URL)
		deadline := time.Now().Add(20 * time.Second)
		var shown pageReading
		for {
			shown = readPage(t, ctx)
			if strings.EqualFold(shown.State, "holdover") || time.Now().After(deadline) {
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
		if !strings.EqualFold(shown.State, "holdover") {
			t.Fatalf("the page still shows %q %s ± %s; it did not refresh to the holdover estimate", shown.State, shown.Offset, shown.Bound)
		}
		checkNumbers(t, shown, want)
		if shown.Loads != 1 {
			t.Errorf("the page was loaded %d times; want one load and in-place refreshes", shown.Loads)
		}
		writeScreenshot(t, ctx, shots, "holdover", "light")
	})

	if p := problems.list(); len(p) > 0 {
		t.Errorf("the browser reported problems (script errors or Content-Security-Policy violations):\n%s", strings.Join(p, "\n"))
	}

	t.Run("says so when the agent stops answering", func(t *testing.T) {
		srv.Close()
		deadline := time.Now().Add(20 * time.Second)
		var banner string
		for banner == "" && time.Now().Before(deadline) {
			time.Sleep(100 * time.Millisecond)
			var err error
			banner, err = chromedp.Run(ctx, chromedp.Evaluate[string](
				`document.getElementById("connection").hidden ? "" : document.getElementById("connection").innerText`))
			if err != nil {
				t.Fatal(err)
			}
		}
		if !strings.Contains(banner, "unreachable") {
			t.Errorf("the page shows no notice that the agent is gone (banner %q)", banner)
		}
		if shown := readPage(t, ctx); !strings.EqualFold(shown.State, "holdover") {
			t.Errorf("the page dropped the last estimate it had: state %q", shown.State)
		}
	})
}

// fakeAgent is the estimate the page and the API serve; the test changes it.
type fakeAgent struct {
	mu       sync.Mutex
	estimate estimator.Estimate
}

func (a *fakeAgent) current() estimator.Estimate {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.estimate
}

func (a *fakeAgent) set(e estimator.Estimate) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.estimate = e
}

// firstEstimate is synchronized, 1.5 ms ahead, with four sources of every
// kind of status, one of them named like an attack.
func firstEstimate(now time.Time) estimator.Estimate {
	us := time.Microsecond
	return estimator.Estimate{
		Time: now, Status: estimator.StatusSynchronized, Synchronized: true,
		Offset: 1523 * us, ErrorBound: 312 * us, OffsetMin: 1270 * us, OffsetMax: 1835 * us,
		BoundParts: estimator.BoundParts{Measurement: 98 * us, RootDistance: 187 * us, DriftGrowth: 19 * us, Selection: 8 * us},
		Drift:      11.734e-6, DriftBound: 0.215e-6, LastSample: now.Add(-1200 * time.Millisecond), Steps: 1,
		LastStep: estimator.StepEvent{At: now.Add(-50 * time.Minute), Size: -31400 * us},
		Sources: []estimator.SourceEstimate{
			source("time-a.example", "198.18.0.10:123", estimator.SourceSelected, now, 1510*us, 1498*us, 430*us, 355*us),
			source(hostileName, "198.18.0.11:123", estimator.SourceSelected, now, 1562*us, 1610*us, 980*us, 612*us),
			source("time-c.example", "198.18.0.12:123", estimator.SourceFalseticker, now, 9870*us, 9912*us, 610*us, 420*us),
			{SourceInfo: estimator.SourceInfo{Name: "time-d.example", Kind: estimator.KindNTP, Address: "198.18.0.13:123"},
				Status: estimator.SourceUnreachable, ErrorBound: estimator.UnknownBound, Reason: "no answer to the last 8 polls",
				Poll: 256 * time.Second},
		},
	}
}

// secondEstimate is the page's next state: holdover, 2.5 ms behind.
func secondEstimate(now time.Time) estimator.Estimate {
	e := firstEstimate(now)
	e.Status, e.Offset, e.ErrorBound = estimator.StatusHoldover, -2481*time.Microsecond, 1207*time.Microsecond
	e.OffsetMin, e.OffsetMax = -3688*time.Microsecond, -1274*time.Microsecond
	e.BoundParts.DriftGrowth += 895 * time.Microsecond
	return e
}

// source is an NTP source that answered 3 s ago, at stratum 2, polled
// every 64 s, reach 375 (one poll of the last eight lost), with a leap
// second announced.
func source(name, address string, status estimator.SourceStatus, now time.Time, offset, last, delay, bound time.Duration) estimator.SourceEstimate {
	return estimator.SourceEstimate{
		SourceInfo: estimator.SourceInfo{Name: name, Kind: estimator.KindNTP, Address: address},
		Status:     status, Selected: status == estimator.SourceSelected, Reachable: true,
		Offset: offset, LastOffset: last, Delay: delay, ErrorBound: bound, Stratum: 2,
		LastSample: now.Add(-3 * time.Second), Timestamping: "kernel",
		Poll: 64 * time.Second, Reach: 0o375, Leap: estimator.LeapInsert, ReferenceID: 0xC6120001,
	}
}

// pastHour is an hour of estimates a second apart that wander around
// 1.5 ms, with two minutes missing (the agent was down) and two minutes
// unsynchronized.
func pastHour(now time.Time) []estimator.Estimate {
	var out []estimator.Estimate
	for s := 3600; s > 0; s-- {
		age := time.Duration(s) * time.Second
		if age > 40*time.Minute && age <= 42*time.Minute {
			continue
		}
		phase := 2 * math.Pi * float64(s) / 1200
		e := estimator.Estimate{
			Time: now.Add(-age), Status: estimator.StatusSynchronized, Synchronized: true,
			Offset:     time.Duration(1500e3 + 220e3*math.Sin(phase)),
			ErrorBound: time.Duration(320e3 + 90e3*math.Cos(phase/2)),
		}
		if age > 18*time.Minute && age <= 20*time.Minute {
			e.Status, e.Synchronized, e.ErrorBound = estimator.StatusUnsynchronized, false, e.ErrorBound*3
		}
		out = append(out, e)
	}
	return out
}

// pageReading is what the browser shows: innerText of the page's parts.
type pageReading struct {
	Title, State, Offset, Bound, OffsetValue, BoundValue string
	OffsetMin, OffsetMax, Drift, DriftBound              string
	Parts                                                map[string]string
	Sources                                              []map[string]string // cell by column heading
	PlotPoints, PlotEstimates, PlotLines                 int
	UnsynchronizedSpans, InjectedImages, Loads           int
	PlotDescription                                      string
}

// readPageScript collects a pageReading in the page.
const readPageScript = `(() => {
  const text = (id) => document.getElementById(id)?.innerText ?? "";
  const plot = document.getElementById("plot");
  const parts = {};
  for (const id of ["part-measurement", "part-root", "part-drift", "part-selection"]) parts[id] = text(id);
  return {
    Title: document.title, State: text("state"), Offset: text("offset"), Bound: text("bound"),
    OffsetValue: document.getElementById("offset")?.getAttribute("value") ?? "",
    BoundValue: document.getElementById("bound")?.getAttribute("value") ?? "",
    OffsetMin: text("offset-min"), OffsetMax: text("offset-max"), Drift: text("drift"), DriftBound: text("drift-bound"),
    Parts: parts,
    Sources: [...document.querySelectorAll("#sources tbody tr")].map((tr) => Object.fromEntries(
      [...tr.cells].map((c, i) => [document.querySelectorAll("#sources thead th")[i].textContent, c.innerText.trim()]))),
    PlotPoints: [...plot.querySelectorAll("polyline")].reduce((n, l) => n + l.points.numberOfItems, 0),
    PlotEstimates: Number(plot.dataset.estimates),
    PlotLines: plot.querySelectorAll("polyline").length,
    UnsynchronizedSpans: plot.querySelectorAll("rect.unsynchronized").length,
    PlotDescription: plot.querySelector("desc")?.textContent ?? "",
    InjectedImages: document.querySelectorAll("img[src=x]").length,
    Loads: window.clockwatchLoads ?? 0,
  };
})()`

func readPage(t *testing.T, ctx context.Context) pageReading {
	t.Helper()
	r, err := chromedp.Run(ctx, chromedp.Evaluate[pageReading](readPageScript))
	if err != nil {
		t.Fatalf("read the page: %v", err)
	}
	return r
}

// checkNumbers compares every number the page shows with the status
// document: to the precision shown, and exactly in the <data> values.
func checkNumbers(t *testing.T, shown pageReading, want exporters.Status) {
	t.Helper()
	if !strings.EqualFold(shown.State, string(want.State)) { // the page shows it in capitals
		t.Errorf("state %q, API %q", shown.State, want.State)
	}
	checks := []shownCheck{
		{"offset", shown.Offset, want.OffsetSeconds},
		{"bound", shown.Bound, want.ErrorBoundSeconds},
		{"interval min", shown.OffsetMin, want.OffsetInterval.MinSeconds},
		{"interval max", shown.OffsetMax, want.OffsetInterval.MaxSeconds},
		{"drift", shown.Drift, want.DriftPPM},
		{"drift bound", shown.DriftBound, want.DriftBoundPPM},
		{"measurement part", shown.Parts["part-measurement"], want.BoundParts.MeasurementSeconds},
		{"root distance part", shown.Parts["part-root"], want.BoundParts.RootDistanceSeconds},
		{"drift growth part", shown.Parts["part-drift"], want.BoundParts.DriftGrowthSeconds},
		{"selection part", shown.Parts["part-selection"], want.BoundParts.SelectionSeconds},
	}
	for i, src := range want.Sources {
		if i >= len(shown.Sources) {
			t.Fatalf("the page shows %d sources, the API %d", len(shown.Sources), len(want.Sources))
		}
		row := shown.Sources[i]
		if !strings.Contains(row["Name"], src.Name) || !strings.Contains(row["Status"], string(src.Status)) {
			t.Errorf("source row %d %q, API name %q status %q", i, row, src.Name, src.Status)
		}
		if reach := strconv.FormatUint(uint64(src.Reach), 8); row["Reach"] != reach {
			t.Errorf("%s: reach %q, API %d (octal %s)", src.Name, row["Reach"], src.Reach, reach)
		}
		if src.ReferenceID != "" && !strings.Contains(row["Reference"], src.Reference) {
			t.Errorf("%s: reference %q, API %q", src.Name, row["Reference"], src.Reference)
		}
		if src.PollSeconds > 0 {
			checks = append(checks, shownCheck{src.Name + " poll", row["Poll"], src.PollSeconds})
		}
		if src.LastSample == nil {
			continue
		}
		checks = append(checks, []shownCheck{
			{src.Name + " offset", row["Offset"], src.OffsetSeconds},
			{src.Name + " last offset", row["Last offset"], src.LastOffsetSeconds},
			{src.Name + " delay", row["Delay"], src.DelaySeconds},
			{src.Name + " bound", row["Bound"], src.ErrorBoundSeconds},
		}...)
	}
	for _, c := range checks {
		got, resolution, err := parseShown(c.text)
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if math.Abs(got-c.want) > resolution/2*(1+1e-9) {
			t.Errorf("%s shows %q (%g), API %g", c.name, c.text, got, c.want)
		}
	}
	for _, v := range []struct {
		name, value string
		want        float64
	}{{"offset", shown.OffsetValue, want.OffsetSeconds}, {"bound", shown.BoundValue, want.ErrorBoundSeconds}} {
		if got, err := strconv.ParseFloat(v.value, 64); err != nil || got != v.want {
			t.Errorf("%s <data value=%q>, API %g", v.name, v.value, v.want)
		}
	}
}

// shownCheck is a number the page shows and the API's value of it.
type shownCheck struct {
	name, text string
	want       float64
}

// shownNumber is a number as the page shows it: sign, digits, unit.
var shownNumber = regexp.MustCompile(`^±?([+−-]?)(\d+)(?:\.(\d+))? (ns|µs|ms|s|ppm)$`)

// unitScale is the value of each unit the page shows, in seconds (ppm
// stay ppm, as in the API).
var unitScale = map[string]float64{"ns": 1e-9, "µs": 1e-6, "ms": 1e-3, "s": 1, "ppm": 1}

// parseShown reads a number the page shows, and the resolution it is
// shown with, in the API's units.
func parseShown(text string) (value, resolution float64, err error) {
	m := shownNumber.FindStringSubmatch(strings.TrimSpace(text))
	if m == nil {
		return 0, 0, fmt.Errorf("%q is not a number with a unit", text)
	}
	v, err := strconv.ParseFloat(m[2]+"."+m[3]+"0", 64)
	if err != nil {
		return 0, 0, err
	}
	if m[1] == "−" || m[1] == "-" {
		v = -v
	}
	scale := unitScale[m[4]]
	return v * scale, math.Pow10(-len(m[3])) * scale, nil
}

func getStatus(t *testing.T, base string) exporters.Status {
	t.Helper()
	resp, err := http.Get(base + "/api/v1/status")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var s exporters.Status
	if err := json.NewDecoder(resp.Body).Decode(&s); err != nil {
		t.Fatalf("decode /api/v1/status: %v", err)
	}
	return s
}

// findChromium returns Debian's chromium, or skips the test.
func findChromium(t *testing.T) string {
	for _, name := range []string{"chromium", "chromium-browser"} {
		if path, err := exec.LookPath(name); err == nil {
			return path
		}
	}
	t.Skip("chromium is not installed (apt-get install chromium; hack/test.sh installs it): the page's browser test cannot run")
	return ""
}

// browserProblems collects script errors and policy violations the
// browser reports.
type browserProblems struct {
	mu   sync.Mutex
	seen []string
}

func (p *browserProblems) add(s string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.seen = append(p.seen, s)
}

func (p *browserProblems) list() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.seen...)
}

// startBrowser starts headless Chromium with flags that work as root on a
// closed network (no sandbox, no background connections) and a fresh
// profile, and returns a tab and what goes wrong in it.
func startBrowser(t *testing.T, chromium string) (context.Context, *browserProblems) {
	t.Helper()
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(chromium),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.WindowSize(1280, 900),
	)
	problems := &browserProblems{}
	browserCtx, cancelBrowser := chromedp.NewContext(allocCtx, chromedp.WithListener(problems.watch))
	t.Cleanup(func() { cancelBrowser(); cancelAlloc() })
	// The first call starts the browser for the life of browserCtx, so
	// it runs without the timeout that bounds the rest.
	if _, err := chromedp.Call(browserCtx, cdplog.Enable, cdp.Empty{}); err != nil {
		t.Fatalf("start %s: %v", chromium, err)
	}
	ctx, cancel := context.WithTimeout(browserCtx, 2*time.Minute)
	t.Cleanup(cancel)
	return ctx, problems
}

// watch notes the events that say something went wrong in the page.
func (p *browserProblems) watch(ev any) {
	switch ev := ev.(type) {
	case *runtime.EventExceptionThrown:
		p.add("exception: " + ev.ExceptionDetails.Text)
	case *runtime.EventConsoleAPICalled:
		if ev.Type == runtime.ConsoleAPICalledTypeError || ev.Type == runtime.ConsoleAPICalledTypeWarning {
			p.add(fmt.Sprintf("console %s: %d arguments", ev.Type, len(ev.Args)))
		}
	case *cdplog.EventEntryAdded:
		if ev.Entry.Level == cdplog.EntryLevelError || ev.Entry.Level == cdplog.EntryLevelWarning {
			p.add(fmt.Sprintf("log %s %s: %s %s", ev.Entry.Level, ev.Entry.Source, ev.Entry.Text, ev.Entry.URL))
		}
	case *page.EventJavascriptDialogOpening:
		p.add("a dialog opened: " + ev.Message)
	}
}

// writeScreenshot saves the whole page in a colour scheme ("light" or
// "dark") in dir and logs the path.
func writeScreenshot(t *testing.T, ctx context.Context, dir, name, scheme string) {
	t.Helper()
	_, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
		Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: scheme}},
	})
	if err != nil {
		t.Fatalf("emulate %s colours: %v", scheme, err)
	}
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	path := filepath.Join(dir, name+"-"+scheme+".png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", path)
}
