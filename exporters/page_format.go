package exporters

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// The page's number formats: what an operator reads at a glance. Every value
// keeps four significant digits in the unit that makes it 1 to 999.9, so a
// reader never counts zeros; the exact value travels beside it in a <data>
// element's value attribute.

// durationUnits are the units a page value is shown in, smallest first.
var durationUnits = []durationUnit{{"ns", 1e-9}, {"µs", 1e-6}, {"ms", 1e-3}, {"s", 1}}

// durationUnit is a unit of time the page shows values in.
type durationUnit struct {
	name  string
	scale float64 // seconds per unit
}

// minusSign is the typographic minus (U+2212): as wide as "+", so signed
// columns line up.
const minusSign = "−"

// formatSeconds shows a duration given in seconds, such as "300.0 µs";
// unknown for a bound that is unknown.
func formatSeconds(v float64) string {
	if isUnknownBound(v) || math.IsInf(v, -1) {
		return "unknown"
	}
	sign := ""
	if v < 0 {
		sign, v = minusSign, -v
	}
	return sign + formatMagnitude(v)
}

// formatSignedSeconds shows an offset given in seconds with its sign, such
// as "+1.500 ms" or "−20.00 µs".
func formatSignedSeconds(v float64) string {
	if v >= 0 && !isUnknownBound(v) {
		return "+" + formatSeconds(v)
	}
	return formatSeconds(v)
}

// formatMagnitude shows v ≥ 0 seconds in the unit that keeps it below 1000.
func formatMagnitude(v float64) string {
	if v == 0 {
		return "0 s"
	}
	last := len(durationUnits) - 1
	for i := range last {
		if text, rounded := inUnit(v, i); rounded < 1000 {
			return text
		}
	}
	text, _ := inUnit(v, last)
	return text
}

// inUnit shows v seconds in durationUnits[i] with four significant digits
// (none below a nanosecond), and returns the rounded number shown.
func inUnit(v float64, i int) (string, float64) {
	u := durationUnits[i]
	x := v / u.scale
	decimals := 0
	if i > 0 { // below 1 only when the smaller unit rounded up to 1000
		decimals = min(3, max(0, 3-int(math.Floor(math.Log10(x)))))
	}
	text := strconv.FormatFloat(x, 'f', decimals, 64)
	rounded, _ := strconv.ParseFloat(text, 64)
	return text + " " + u.name, rounded
}

// formatPPM shows a rate in parts per million with its sign.
func formatPPM(v float64) string {
	return strings.Replace(fmt.Sprintf("%+.3f ppm", v), "-", minusSign, 1)
}

// formatAge shows how long ago something happened, such as "12 s ago".
func formatAge(d time.Duration) string {
	switch {
	case d < 0:
		return "just now"
	case d < 10*time.Second:
		return strconv.FormatFloat(d.Seconds(), 'f', 1, 64) + " s ago"
	case d < 2*time.Minute:
		return strconv.Itoa(int(d.Seconds())) + " s ago"
	case d < 2*time.Hour:
		return strconv.Itoa(int(d.Minutes())) + " min ago"
	case d < 48*time.Hour:
		return strconv.Itoa(int(d.Hours())) + " h ago"
	}
	return strconv.Itoa(int(d.Hours()/24)) + " d ago"
}

// isUnknownBound reports whether a JSON bound stands for "unknown".
func isUnknownBound(v float64) bool { return v >= maxJSONBound || math.IsInf(v, 1) || math.IsNaN(v) }
