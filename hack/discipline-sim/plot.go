package main

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"os"
	"time"

	"github.com/clockwatch/clockwatch/internal/sim"
)

// Plot geometry, in SVG user units.
const (
	plotWidth, plotHeight = 1000.0, 520.0
	marginLeft, marginTop = 80.0, 40.0
	marginRight           = 20.0
	marginBottom          = 50.0
	innerWidth            = plotWidth - marginLeft - marginRight
	innerHeight           = plotHeight - marginTop - marginBottom
)

// symlogLinear is where the plot's signed logarithmic offset axis turns
// linear: offsets span seconds to microseconds.
const symlogLinear = float64(time.Microsecond)

// symlog maps an offset in nanoseconds to [-1, 1] on a signed log scale
// that reaches ±1 s.
func symlog(ns float64) float64 {
	top := math.Log10(1 + float64(time.Second)/symlogLinear)
	return math.Copysign(math.Log10(1+math.Abs(ns)/symlogLinear), ns) / top
}

// writePlot writes an SVG of a run to path: the clock's true offset, the
// interval the estimate says it lies in, outages shaded and steps marked.
func writePlot(path string, sc sim.DisciplinedScenario, points []sim.DisciplinedPoint) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("plot: %w", err)
	}
	w := bufio.NewWriter(f)
	plotSVG(w, sc, points)
	if err := w.Flush(); err != nil {
		f.Close()
		return fmt.Errorf("plot %s: %w", path, err)
	}
	return f.Close()
}

// plotter places run values on the plot.
type plotter struct{ duration time.Duration }

func (p plotter) x(t time.Duration) float64 {
	return marginLeft + innerWidth*float64(t)/float64(p.duration)
}

func (p plotter) y(offset time.Duration) float64 {
	return marginTop + innerHeight*(1-symlog(float64(offset)))/2
}

// plotSVG draws the plot.
func plotSVG(w io.Writer, sc sim.DisciplinedScenario, points []sim.DisciplinedPoint) {
	p := plotter{duration: sc.Duration}
	fmt.Fprintf(w, `<svg xmlns="http://www.w3.org/2000/svg" width="%g" height="%g" font-family="sans-serif" font-size="12">`+"\n", plotWidth, plotHeight)
	fmt.Fprintf(w, `<rect width="100%%" height="100%%" fill="white"/>`+"\n")
	fmt.Fprintf(w, `<text x="%g" y="22" font-size="15">%s: %s</text>`+"\n", marginLeft, sc.Name, sc.Description)
	for _, o := range sc.Outages {
		fmt.Fprintf(w, `<rect x="%.1f" y="%g" width="%.1f" height="%g" fill="#fde7c4"/>`+"\n", p.x(o.From), marginTop, p.x(o.To)-p.x(o.From), innerHeight)
	}
	p.axes(w)
	p.band(w, points)
	p.truth(w, points)
	p.events(w, sc, points)
	p.legend(w)
	fmt.Fprintln(w, "</svg>")
}

// axes draws the offset grid (decades) and the time axis.
func (p plotter) axes(w io.Writer) {
	for _, d := range []time.Duration{0, time.Microsecond, 10 * time.Microsecond, 100 * time.Microsecond, time.Millisecond, 10 * time.Millisecond, 100 * time.Millisecond, time.Second} {
		for _, v := range []time.Duration{d, -d} {
			y := p.y(v)
			fmt.Fprintf(w, `<line x1="%g" x2="%g" y1="%.1f" y2="%.1f" stroke="#ddd"/>`, marginLeft, marginLeft+innerWidth, y, y)
			fmt.Fprintf(w, `<text x="%g" y="%.1f" text-anchor="end" dy="4">%v</text>`+"\n", marginLeft-6, y, v)
			if d == 0 {
				break
			}
		}
	}
	step := max(p.duration/12, time.Minute).Round(time.Minute)
	for t := time.Duration(0); t <= p.duration; t += step {
		x := p.x(t)
		fmt.Fprintf(w, `<line x1="%.1f" x2="%.1f" y1="%g" y2="%g" stroke="#eee"/>`, x, x, marginTop, marginTop+innerHeight)
		fmt.Fprintf(w, `<text x="%.1f" y="%g" text-anchor="middle">%v</text>`+"\n", x, marginTop+innerHeight+18, t)
	}
	fmt.Fprintf(w, `<text x="%g" y="%g" text-anchor="middle">true time since start</text>`+"\n", marginLeft+innerWidth/2, plotHeight-8)
	fmt.Fprintf(w, `<rect x="%g" y="%g" width="%g" height="%g" fill="none" stroke="#888"/>`+"\n", marginLeft, marginTop, innerWidth, innerHeight)
}

// band draws the estimate's interval, offset ± bound, as a shaded area.
func (p plotter) band(w io.Writer, points []sim.DisciplinedPoint) {
	var upper, lower []string
	for _, pt := range thinned(points) {
		if pt.Bound > time.Second {
			continue
		}
		upper = append(upper, fmt.Sprintf("%.1f,%.1f", p.x(pt.At), p.y(pt.Offset+pt.Bound)))
		lower = append(lower, fmt.Sprintf("%.1f,%.1f", p.x(pt.At), p.y(pt.Offset-pt.Bound)))
	}
	fmt.Fprint(w, `<polygon fill="#9ecae1" fill-opacity="0.6" stroke="none" points="`)
	for _, s := range upper {
		fmt.Fprint(w, s, " ")
	}
	for i := len(lower) - 1; i >= 0; i-- {
		fmt.Fprint(w, lower[i], " ")
	}
	fmt.Fprintln(w, `"/>`)
}

// truth draws the clock's true offset.
func (p plotter) truth(w io.Writer, points []sim.DisciplinedPoint) {
	fmt.Fprint(w, `<polyline fill="none" stroke="#d62728" stroke-width="1.2" points="`)
	for _, pt := range thinned(points) {
		fmt.Fprintf(w, "%.1f,%.1f ", p.x(pt.At), p.y(pt.Truth))
	}
	fmt.Fprintln(w, `"/>`)
}

// events marks the discipline's steps and the clock's own jumps.
func (p plotter) events(w io.Writer, sc sim.DisciplinedScenario, points []sim.DisciplinedPoint) {
	for _, pt := range points {
		if pt.Step != 0 {
			fmt.Fprintf(w, `<line x1="%.1f" x2="%.1f" y1="%g" y2="%g" stroke="#2ca02c" stroke-dasharray="4 3"/><text x="%.1f" y="%g" fill="#2ca02c">step %v</text>`+"\n",
				p.x(pt.At), p.x(pt.At), marginTop, marginTop+innerHeight, p.x(pt.At)+4, marginTop+14, pt.Step)
		}
	}
	for _, j := range sc.Clock.Steps {
		fmt.Fprintf(w, `<line x1="%.1f" x2="%.1f" y1="%g" y2="%g" stroke="#9467bd" stroke-dasharray="4 3"/><text x="%.1f" y="%g" fill="#9467bd">clock jumps %v</text>`+"\n",
			p.x(j.At), p.x(j.At), marginTop, marginTop+innerHeight, p.x(j.At)+4, marginTop+28, j.By)
	}
}

// legend explains the colours.
func (p plotter) legend(w io.Writer) {
	x, y := marginLeft+innerWidth-300, marginTop+innerHeight-50
	fmt.Fprintf(w, `<rect x="%g" y="%g" width="290" height="44" fill="white" stroke="#ccc"/>`+"\n", x, y)
	fmt.Fprintf(w, `<line x1="%g" x2="%g" y1="%g" y2="%g" stroke="#d62728" stroke-width="2"/><text x="%g" y="%g">true offset of the disciplined clock</text>`+"\n", x+8, x+30, y+14, y+14, x+36, y+18)
	fmt.Fprintf(w, `<rect x="%g" y="%g" width="22" height="10" fill="#9ecae1"/><text x="%g" y="%g">estimate ± error bound</text>`+"\n", x+8, y+26, x+36, y+36)
}

// plotColumns is how many points per plot the curves keep at most.
const plotColumns = 4000

// thinned keeps about plotColumns points, the one farthest from zero in
// each stretch, so spikes stay visible.
func thinned(points []sim.DisciplinedPoint) []sim.DisciplinedPoint {
	stride := max(len(points)/plotColumns, 1)
	var out []sim.DisciplinedPoint
	for i := 0; i < len(points); i += stride {
		best := points[i]
		for _, pt := range points[i:min(i+stride, len(points))] {
			if pt.Truth.Abs() > best.Truth.Abs() {
				best = pt
			}
		}
		out = append(out, best)
	}
	return out
}
