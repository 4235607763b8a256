package exporters

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"github.com/clockwatch/clockwatch/estimator"
	"html/template"
	"io/fs"
	"math"
	"net/http"
	"path"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/common/version"
)

// The live page at /: the estimate, its bound's parts, the sources and a
// plot of the last hour, rendered on the server from the same Status as
// GET /api/v1/status. A small script (page/refresh.js) fetches the page
// again every few seconds and swaps its <main> in place; without scripts a
// meta refresh does the same. Everything from sources (names are user
// input) goes through html/template's escaping, and the Content-Security-
// Policy allows only the page's own script, style and icon.

// DefaultPageRefresh is how often the page refreshes itself when
// API.PageRefresh is zero.
const DefaultPageRefresh = 5 * time.Second

// pageSecurityPolicy allows the page nothing but its own files: no inline
// script or style, no other origin, no framing.
const pageSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; " +
	"base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

//go:embed page
var pageFiles embed.FS

// pageTemplate is the page's HTML, parsed when the page is first served:
// an agent whose page nobody opens keeps no template (package
// initialisation allocated 116 KB less, GODEBUG=inittrace=1).
var pageTemplate = sync.OnceValue(func() *template.Template {
	return template.Must(template.New("index.html").Funcs(pageFuncs).ParseFS(pageFiles, "page/index.html"))
})

// pageFuncs format values for the page's template.
var pageFuncs = template.FuncMap{
	"signed":   formatSignedSeconds,
	"seconds":  formatSeconds,
	"ppm":      formatPPM,
	"ppmBound": func(v float64) string { return strconv.FormatFloat(v, 'f', 3, 64) + " ppm" },
	"percent":  func(v float64) string { return strconv.FormatFloat(v, 'f', 0, 64) + " %" },
	"unknown":  isUnknownBound,
	"abs":      math.Abs,
	"rfc3339":  func(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) },
	"clock":    func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05 UTC") },
	"add":      func(a, b float64) float64 { return a + b },
	"sub":      func(a, b float64) float64 { return a - b },
	"half":     func(a float64) float64 { return a / 2 },
}

// pageAsset is a static file of the page with its validator.
type pageAsset struct {
	data        []byte
	etag        string
	contentType string
}

// pageAssets are the page's static files by name, under /page/, hashed
// when the page is first served.
var pageAssets = sync.OnceValue(loadPageAssets)

func loadPageAssets() map[string]pageAsset {
	types := map[string]string{".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8", ".svg": "image/svg+xml"}
	assets := map[string]pageAsset{}
	for ext, contentType := range types {
		names, _ := fs.Glob(pageFiles, "page/*"+ext)
		for _, name := range names {
			data, _ := pageFiles.ReadFile(name)
			sum := sha256.Sum256(data)
			assets[path.Base(name)] = pageAsset{data: data, etag: `"` + hex.EncodeToString(sum[:8]) + `"`, contentType: contentType}
		}
	}
	return assets
}

// pageView is what the page's template renders.
type pageView struct {
	Host, Version string
	Status        Status
	// HasOffset is false until anything is known about the offset.
	HasOffset bool
	// Ahead says which way the clock is off, in words.
	Ahead            string
	StateDescription string
	LastSampleAge    string
	LastStepAge      string
	Parts            []boundPart
	PartsKnown       bool
	Sources          []sourceRow
	Plot             plot
	RefreshSeconds   string
}

// boundPart is one part of the error bound: its share of the bound and its
// place on the page's stacked bar (in percent of the bar).
type boundPart struct {
	Name, Class, Description string
	Seconds                  float64
	Percent, Offset          float64
}

// sourceRow is one row of the page's source table.
type sourceRow struct {
	Source
	// Marker is chronyc's mark for the status: * combined, - not
	// combined, x falseticker, ? unreachable or not polled, ! kiss-o'-death.
	Marker string
	Age    string
	// Poll is the poll interval in seconds, "–" before the source said.
	Poll string
	// ReachOctal is the reach register as chronyc prints it; ReachBits
	// the same newest last, true for an answered poll.
	ReachOctal string
	ReachBits  [8]bool
	// LeapNotice names a leap status other than normal, in words.
	LeapNotice string
}

// stateDescriptions explain each state of the estimate.
var stateDescriptions = map[estimator.Status]string{
	estimator.StatusSynchronized:   "A majority of sources agrees and has answered recently.",
	estimator.StatusHoldover:       "Every source went quiet: the estimate is carried forward with the drift, and the bound grows.",
	estimator.StatusUnsynchronized: "No majority of sources agrees, nothing has been measured yet, or holdover lasted too long.",
}

// sourceMarkers are chronyc's marks for each source status.
var sourceMarkers = map[estimator.SourceStatus]string{
	estimator.SourceSelected: "*", estimator.SourceCandidate: "-", estimator.SourceFalseticker: "x",
	estimator.SourceUnreachable: "?", estimator.SourceKoD: "!", estimator.SourceInit: "?",
}

// page serves the live page.
func (a *API) page(w http.ResponseWriter, _ *http.Request) {
	s := NewStatus(a.Current())
	var history []HistoryPoint
	if a.History != nil {
		history = a.History.Since(s.Time.Add(-plotWindow))
	}
	var body bytes.Buffer
	if err := pageTemplate().Execute(&body, a.newPageView(s, history)); err != nil {
		a.Logger.Error("render the page", "err", err)
		http.Error(w, "rendering the page failed; /api/v1/status has the same data", http.StatusInternalServerError)
		return
	}
	setPageSecurityHeaders(w)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(body.Bytes())
}

// pageAsset serves a static file of the page: revalidated on every load by
// its ETag, so an upgraded agent never serves a stale script.
func (a *API) pageAsset(w http.ResponseWriter, r *http.Request) {
	asset, ok := pageAssets()[r.PathValue("file")]
	if !ok {
		http.NotFound(w, r)
		return
	}
	setPageSecurityHeaders(w)
	w.Header().Set("Content-Type", asset.contentType)
	w.Header().Set("Cache-Control", "no-cache")
	w.Header().Set("ETag", asset.etag)
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(asset.data))
}

func setPageSecurityHeaders(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Content-Security-Policy", pageSecurityPolicy)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
}

// newPageView prepares the status and history for the template.
func (a *API) newPageView(s Status, history []HistoryPoint) pageView {
	refresh := a.PageRefresh
	if refresh <= 0 {
		refresh = DefaultPageRefresh
	}
	v := pageView{
		Host: a.Host, Version: version.Version, Status: s,
		HasOffset:        s.OffsetInterval != nil,
		StateDescription: stateDescriptions[s.State],
		Plot:             newPlot(history, s.Time),
		RefreshSeconds:   strconv.FormatFloat(refresh.Seconds(), 'f', -1, 64),
	}
	v.Ahead = "ahead of"
	if s.OffsetSeconds < 0 {
		v.Ahead = "behind"
	}
	if s.LastSample != nil {
		v.LastSampleAge = formatAge(s.Time.Sub(*s.LastSample))
	}
	if s.LastStep != nil {
		v.LastStepAge = formatAge(s.Time.Sub(s.LastStep.Time))
	}
	v.Parts, v.PartsKnown = newBoundPartsView(s.BoundParts)
	for _, src := range s.Sources {
		v.Sources = append(v.Sources, newSourceRow(src, s.Time))
	}
	return v
}

// newSourceRow prepares one source for the table, with ages counted to now.
func newSourceRow(src Source, now time.Time) sourceRow {
	row := sourceRow{Source: src, Marker: sourceMarkers[src.Status], Age: "never", Poll: "–",
		ReachOctal: strconv.FormatUint(uint64(src.Reach), 8)}
	if src.LastSample != nil {
		row.Age = formatAge(now.Sub(*src.LastSample))
	}
	if src.PollSeconds > 0 {
		row.Poll = strconv.FormatFloat(src.PollSeconds, 'f', -1, 64) + " s"
	}
	for i := range row.ReachBits {
		row.ReachBits[i] = src.Reach&(1<<(7-i)) != 0
	}
	if src.Leap != "" && src.Leap != "normal" {
		row.LeapNotice = "leap: " + strings.ReplaceAll(src.Leap, "_", " ")
	}
	return row
}

// newBoundPartsView lays the bound's parts out on a bar; false when the
// bound is unknown.
func newBoundPartsView(p BoundParts) ([]boundPart, bool) {
	parts := []boundPart{
		{Name: "Measurement", Class: "part-measurement", Seconds: p.MeasurementSeconds,
			Description: "half the round trip, timestamp precision and frequency error of the sample that sets the bound"},
		{Name: "Root distance", Class: "part-root", Seconds: p.RootDistanceSeconds,
			Description: "the reference's own error bound: root delay/2 + root dispersion, as it advertised"},
		{Name: "Drift growth", Class: "part-drift", Seconds: p.DriftGrowthSeconds,
			Description: "growth since that sample from the drift's uncertainty; what grows in holdover"},
		{Name: "Selection", Class: "part-selection", Seconds: p.SelectionSeconds,
			Description: "distance from the estimate to that sample's centre; large while sources disagree"},
	}
	total := 0.0
	for _, part := range parts {
		if isUnknownBound(part.Seconds) {
			return parts, false
		}
		total += part.Seconds
	}
	offset := 0.0
	for i := range parts {
		if total > 0 {
			parts[i].Percent = parts[i].Seconds / total * 100
		}
		parts[i].Offset = offset
		offset += parts[i].Percent
	}
	return parts, true
}
