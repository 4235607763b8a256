package exporters

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// plotWindow is how much history the page plots at most.
const plotWindow = time.Hour

// plotWindows are the spans the plot can show, each with its grid step: the
// shortest that holds the history is shown, so a young agent's minutes are
// not a sliver at the end of an empty hour.
var plotWindows = []struct{ span, step time.Duration }{
	{5 * time.Minute, time.Minute},
	{15 * time.Minute, 5 * time.Minute},
	{30 * time.Minute, 10 * time.Minute},
	{plotWindow, 15 * time.Minute},
}

// The plot's geometry, in SVG user units: a viewBox that scales to the
// page's width, with room for the axes' labels.
const (
	plotWidth, plotHeight      = 960, 280
	plotLeft, plotRight        = 76, 948
	plotTop, plotBottom        = 12, 248
	plotColumnsPerBucket       = 2 // estimates closer than this are merged
	plotUnsynchronizedStripTop = plotBottom - 5
)

// plot is a server-rendered SVG plot of the offset and its error bound over
// the last hour at most: a band for offset ± bound, a line for the offset, a
// zero line and a strip marking unsynchronized estimates.
type plot struct {
	// Window is the span plotted, ending at the estimate's time.
	Window                   time.Duration
	Width, Height            int
	Left, Right, Top, Bottom float64
	// Estimates counts the estimates plotted.
	Estimates int
	// Bands are SVG path data of offset ± bound, one per unbroken run;
	// Lines the polyline points of the offset.
	Bands, Lines []string
	// Unsynchronized marks the spans whose estimates were not synchronized.
	Unsynchronized []plotSpan
	XTicks, YTicks []plotTick
	ZeroY          float64
	// Summary says in words what the plot shows (its text alternative).
	Summary string
}

// plotSpan is a horizontal span of the plot.
type plotSpan struct{ X, Width float64 }

// plotTick is a labelled grid line at Pos (x or y).
type plotTick struct {
	Pos   float64
	Label string
}

// plotBucket merges the estimates that fall on one pixel column pair.
type plotBucket struct {
	t                 float64 // seconds after the window's start, mean
	offset, lo, hi    float64
	n                 int
	anyUnsynchronized bool
}

// newPlot plots the points of history that fall in the last hour before
// now, over the shortest of plotWindows that holds them.
func newPlot(points []HistoryPoint, now time.Time) plot {
	var inWindow []HistoryPoint
	for _, pt := range points {
		if !pt.Time.Before(now.Add(-plotWindow)) && !pt.Time.After(now) && !isUnknownBound(pt.ErrorBoundSeconds) {
			inWindow = append(inWindow, pt)
		}
	}
	p := plot{Width: plotWidth, Height: plotHeight, Left: plotLeft, Right: plotRight, Top: plotTop, Bottom: plotBottom, Estimates: len(inWindow)}
	step := plotWindows[len(plotWindows)-1].step
	p.Window = plotWindow
	for _, w := range plotWindows {
		if len(inWindow) == 0 || !inWindow[0].Time.Before(now.Add(-w.span)) {
			p.Window, step = w.span, w.step
			break
		}
	}
	p.XTicks = timeTicks(p.Window, step)
	from := now.Add(-p.Window)
	bucketSeconds := p.Window.Seconds() / plotBuckets()
	runs := bucketRuns(inWindow, from, bucketSeconds, runGap(inWindow, p.Window))
	lo, hi := valueRange(runs)
	y := p.yScale(lo, hi)
	p.YTicks = valueTicks(lo, hi, y)
	p.ZeroY = y(0)
	x := func(t float64) float64 { return plotLeft + t/p.Window.Seconds()*(plotRight-plotLeft) }
	for _, run := range runs {
		p.Bands = append(p.Bands, bandPath(run, x, y))
		p.Lines = append(p.Lines, offsetLine(run, x, y))
		for _, b := range run {
			if b.anyUnsynchronized {
				p.Unsynchronized = append(p.Unsynchronized, plotSpan{X: x(b.t - bucketSeconds/2), Width: plotColumnsPerBucket})
			}
		}
	}
	p.Summary = plotSummary(inWindow)
	return p
}

// Span names the span plotted: "last hour", "last 5 minutes".
func (p plot) Span() string {
	if p.Window == time.Hour {
		return "last hour"
	}
	return fmt.Sprintf("last %d minutes", int(p.Window.Minutes()))
}

// plotBuckets is how many buckets span the window.
func plotBuckets() float64 { return (plotRight - plotLeft) / plotColumnsPerBucket }

// bucketRuns splits the points where they are further apart than gap (the
// agent was down, or had no estimate) and merges each run's points into
// buckets of bucketSeconds.
func bucketRuns(points []HistoryPoint, from time.Time, bucketSeconds float64, gap time.Duration) [][]plotBucket {
	var runs [][]plotBucket
	var run []plotBucket
	for i, pt := range points {
		if i > 0 && pt.Time.Sub(points[i-1].Time) > gap {
			runs, run = append(runs, run), nil
		}
		t := pt.Time.Sub(from).Seconds()
		lo, hi := pt.OffsetSeconds-pt.ErrorBoundSeconds, pt.OffsetSeconds+pt.ErrorBoundSeconds
		if n := len(run); n > 0 && math.Floor(run[n-1].t/bucketSeconds) == math.Floor(t/bucketSeconds) {
			b := &run[n-1]
			b.t = (b.t*float64(b.n) + t) / float64(b.n+1)
			b.offset = (b.offset*float64(b.n) + pt.OffsetSeconds) / float64(b.n+1)
			b.lo, b.hi, b.n = min(b.lo, lo), max(b.hi, hi), b.n+1
			b.anyUnsynchronized = b.anyUnsynchronized || !pt.Synchronized
			continue
		}
		run = append(run, plotBucket{t: t, offset: pt.OffsetSeconds, lo: lo, hi: hi, n: 1, anyUnsynchronized: !pt.Synchronized})
	}
	if len(run) > 0 {
		runs = append(runs, run)
	}
	return runs
}

// runGap is the spacing of estimates beyond which the plot breaks its
// line: three times the usual spacing, and at least a 60th of the window.
func runGap(points []HistoryPoint, window time.Duration) time.Duration {
	if len(points) < 2 {
		return window
	}
	spacings := make([]time.Duration, 0, len(points)-1)
	for i := 1; i < len(points); i++ {
		spacings = append(spacings, points[i].Time.Sub(points[i-1].Time))
	}
	slices.Sort(spacings)
	return max(3*spacings[len(spacings)/2], window/60)
}

// valueRange is the range of the y axis: every band, and zero, so that the
// distance of the clock from true time is always in view.
func valueRange(runs [][]plotBucket) (lo, hi float64) {
	for _, run := range runs {
		for _, b := range run {
			lo, hi = min(lo, b.lo), max(hi, b.hi)
		}
	}
	if hi-lo < 1e-9 {
		lo, hi = lo-1e-6, hi+1e-6
	}
	pad := (hi - lo) * 0.05
	return lo - pad, hi + pad
}

// yScale maps seconds to the plot's y coordinate.
func (p plot) yScale(lo, hi float64) func(float64) float64 {
	return func(v float64) float64 { return p.Bottom - (v-lo)/(hi-lo)*(p.Bottom-p.Top) }
}

// bandPath draws offset ± bound of one run as a closed path: along the
// upper edge forward and the lower edge back.
func bandPath(run []plotBucket, x, y func(float64) float64) string {
	var b strings.Builder
	for i, k := range run {
		command := "L"
		if i == 0 {
			command = "M"
		}
		fmt.Fprintf(&b, "%s%s %s ", command, coord(x(k.t)), coord(y(k.hi)))
	}
	for i := len(run) - 1; i >= 0; i-- {
		fmt.Fprintf(&b, "L%s %s ", coord(x(run[i].t)), coord(y(run[i].lo)))
	}
	b.WriteString("Z")
	return b.String()
}

// offsetLine is the polyline points of one run's offset. A run of one
// bucket is drawn as a short dash, so that a lone estimate shows.
func offsetLine(run []plotBucket, x, y func(float64) float64) string {
	points := make([]string, 0, len(run)+1)
	for _, k := range run {
		points = append(points, coord(x(k.t))+","+coord(y(k.offset)))
	}
	if len(run) == 1 {
		points = append(points, coord(x(run[0].t)+plotColumnsPerBucket)+","+coord(y(run[0].offset)))
	}
	return strings.Join(points, " ")
}

// timeTicks label the x axis every step, in minutes before now.
func timeTicks(window, step time.Duration) []plotTick {
	var ticks []plotTick
	for before := window; before >= 0; before -= step {
		label := minusSign + strconv.Itoa(int(before.Minutes())) + " min"
		if before == 0 {
			label = "now"
		}
		ticks = append(ticks, plotTick{Pos: plotLeft + (1-before.Seconds()/window.Seconds())*(plotRight-plotLeft), Label: label})
	}
	return ticks
}

// valueTicks label the y axis at round values: a step of 1, 2 or 5 times a
// power of ten that gives four to ten lines.
func valueTicks(lo, hi float64, y func(float64) float64) []plotTick {
	step := math.Pow(10, math.Floor(math.Log10((hi-lo)/4)))
	for _, m := range []float64{5, 2} {
		if (hi-lo)/(step*m) >= 4 {
			step *= m
			break
		}
	}
	unit := tickUnit(max(math.Abs(lo), math.Abs(hi)))
	decimals := max(0, -int(math.Floor(math.Log10(step/unit.scale)+1e-9)))
	var ticks []plotTick
	for v := math.Ceil(lo/step) * step; v <= hi; v += step {
		label := "0"
		if math.Abs(v) > step/2 {
			label = strings.Replace(strconv.FormatFloat(v/unit.scale, 'f', decimals, 64), "-", minusSign, 1) + " " + unit.name
			if v > 0 {
				label = "+" + label
			}
		}
		ticks = append(ticks, plotTick{Pos: y(v), Label: label})
	}
	return ticks
}

// tickUnit is the unit that shows v seconds as less than 1000.
func tickUnit(v float64) durationUnit {
	for _, u := range durationUnits {
		if v < 1000*u.scale {
			return u
		}
	}
	return durationUnits[len(durationUnits)-1]
}

// plotSummary says in words what the plot shows.
func plotSummary(points []HistoryPoint) string {
	if len(points) == 0 {
		return "No estimates in the last hour yet."
	}
	offLo, offHi := points[0].OffsetSeconds, points[0].OffsetSeconds
	boundLo, boundHi := points[0].ErrorBoundSeconds, points[0].ErrorBoundSeconds
	unsynchronized := 0
	for _, pt := range points {
		offLo, offHi = min(offLo, pt.OffsetSeconds), max(offHi, pt.OffsetSeconds)
		boundLo, boundHi = min(boundLo, pt.ErrorBoundSeconds), max(boundHi, pt.ErrorBoundSeconds)
		if !pt.Synchronized {
			unsynchronized++
		}
	}
	s := fmt.Sprintf("%d estimates from %s to %s UTC: offset between %s and %s, error bound between %s and %s",
		len(points), points[0].Time.UTC().Format(time.TimeOnly), points[len(points)-1].Time.UTC().Format(time.TimeOnly),
		formatSignedSeconds(offLo), formatSignedSeconds(offHi), formatSeconds(boundLo), formatSeconds(boundHi))
	if unsynchronized > 0 {
		s += fmt.Sprintf("; %d of them unsynchronized", unsynchronized)
	}
	return s + "."
}

// coord writes an SVG coordinate with a tenth of a unit's precision.
func coord(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) }
