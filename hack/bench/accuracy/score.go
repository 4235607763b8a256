package main

import (
	"encoding/csv"
	"fmt"
	"io"
	"maps"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"
)

// summary is how one client did in one scenario.
type summary struct {
	client                    string
	scored, covered, unsynced int
	// median, p95, max and meanBound are in seconds.
	median, p95, max, meanBound float64
	// meanParts are the means of the parts the client splits its bound
	// into, over the scored readings that have them.
	meanParts []boundPart
	// interval scores the client's offset interval as a bound of its
	// own; nil when the client never says one.
	interval *intervalScore
	// steadyBound and limit are the mean bound and the mean physical
	// limit over the scored readings outside outages, in seconds, and
	// truthBound the mean least bound around the true offset then (see
	// limitPoint).
	steadyBound, limit, truthBound float64
	// outage scores the readings while every server was silent; nil if
	// none was.
	outage *errorScore
	// models counts the scored readings by the drift model they say.
	models map[string]int
}

// errorScore is the error and bound of some readings, in seconds.
type errorScore struct {
	n                           int
	median, p95, max, meanBound float64
}

// newErrorScore scores errors (which it sorts) and the sum of their
// bounds.
func newErrorScore(errs []float64, boundSum float64) errorScore {
	slices.Sort(errs)
	n := len(errs)
	return errorScore{n: n, median: quantile(errs, 0.5), p95: quantile(errs, 0.95), max: errs[n-1], meanBound: boundSum / float64(n)}
}

// window says which readings judge scores and how: from when (after the
// warm-up), outside which blind spans (just after a reference step,
// before any poll could have seen it), which of them in an outage, and the
// physical limit at each.
type window struct {
	from           time.Time
	blind, outages []span
	limit          func(time.Time) limitPoint
}

// intervalScore is how well a client's offset interval bounded the truth:
// over the scored readings, how often it held the true offset and its mean
// half-width in seconds (a reading without an interval counts with its
// offset ± bound, an unknown one as 1 s).
type intervalScore struct {
	covered       int
	meanHalfWidth float64
}

// coverage is the share of scored readings whose bound held.
func (s summary) coverage() float64 {
	if s.scored == 0 {
		return math.NaN()
	}
	return float64(s.covered) / float64(s.scored)
}

// judge scores a client's readings against the truth: truth(t) is the true
// offset at t, and readings are scored from the client's first
// synchronized one in the window (see window).
func judge(name string, readings []reading, truth func(time.Time) float64, w window) summary {
	s := summary{client: name, models: map[string]int{}}
	var errs, outageErrs []float64
	var boundSum, outageBoundSum, steadyN float64
	var withParts int
	var interval intervalScore
	sawInterval := false
	started := false
	for _, r := range readings {
		started = started || (r.synced && !r.at.Before(w.from))
		if !started || inAny(w.blind, r.at) {
			continue
		}
		e := math.Abs(r.offset - truth(r.at))
		if r.model != "" {
			s.models[r.model]++
		}
		if inAny(w.outages, r.at) {
			outageErrs, outageBoundSum = append(outageErrs, e), outageBoundSum+min(r.bound, 1)
		} else {
			l := w.limit(r.at)
			s.steadyBound, s.limit, s.truthBound, steadyN = s.steadyBound+min(r.bound, 1), s.limit+l.seconds, s.truthBound+l.truthBound, steadyN+1
		}
		s.scored++
		if e <= r.bound {
			s.covered++
		}
		if !r.synced {
			s.unsynced++
		}
		errs = append(errs, e)
		boundSum += min(r.bound, 1) // an unknown bound counts as 1 s
		if len(r.parts) > 0 && r.bound < 1 {
			s.meanParts = addParts(s.meanParts, r.parts)
			withParts++
		}
		sawInterval = sawInterval || r.interval != nil
		interval.add(r, truth(r.at))
	}
	if sawInterval && s.scored > 0 {
		interval.meanHalfWidth /= float64(s.scored)
		s.interval = &interval
	}
	for i := range s.meanParts {
		s.meanParts[i].seconds /= float64(withParts)
	}
	if steadyN > 0 {
		s.steadyBound, s.limit, s.truthBound = s.steadyBound/steadyN, s.limit/steadyN, s.truthBound/steadyN
	}
	if len(outageErrs) > 0 {
		o := newErrorScore(outageErrs, outageBoundSum)
		s.outage = &o
	}
	if len(errs) == 0 {
		return s
	}
	all := newErrorScore(errs, boundSum)
	s.median, s.p95, s.max, s.meanBound = all.median, all.p95, all.max, all.meanBound
	return s
}

// add scores one reading whose true offset is truth; meanHalfWidth sums
// until judge divides it.
func (is *intervalScore) add(r reading, truth float64) {
	lo, hi := r.offset-r.bound, r.offset+r.bound
	if r.interval != nil && r.bound < 1 {
		lo, hi = r.interval.min, r.interval.max
	}
	if lo <= truth && truth <= hi {
		is.covered++
	}
	is.meanHalfWidth += min((hi-lo)/2, 1)
}

// addParts adds parts to the sums, which it starts when empty.
func addParts(sums, parts []boundPart) []boundPart {
	if len(sums) == 0 {
		sums = make([]boundPart, len(parts))
		for i, p := range parts {
			sums[i].name = p.name
		}
	}
	for i := range min(len(sums), len(parts)) {
		sums[i].seconds += parts[i].seconds
	}
	return sums
}

// writeReadings saves every reading with the truth at its time, one CSV
// row each: client, unix time, offset, bound, synchronized, true offset.
func writeReadings(path string, clients []client, readings [][]reading, truth func(time.Time) float64) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := csv.NewWriter(f)
	w.Write([]string{"client", "time", "offset", "bound", "synchronized", "truth"})
	for i, c := range clients {
		for _, r := range readings[i] {
			w.Write([]string{c.name(), strconv.FormatFloat(float64(r.at.UnixNano())/1e9, 'f', 6, 64),
				strconv.FormatFloat(r.offset, 'g', -1, 64), strconv.FormatFloat(r.bound, 'g', -1, 64),
				strconv.FormatBool(r.synced), strconv.FormatFloat(truth(r.at), 'g', -1, 64)})
		}
	}
	w.Flush()
	if err := w.Error(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// quantile returns the q-quantile of sorted values by nearest rank.
func quantile(sorted []float64, q float64) float64 {
	i := int(math.Ceil(q*float64(len(sorted)))) - 1
	return sorted[max(i, 0)]
}

// span is an interval of time.
type span struct{ from, to time.Time }

// inAny reports whether t lies in one of the spans.
func inAny(spans []span, t time.Time) bool {
	for _, s := range spans {
		if !t.Before(s.from) && t.Before(s.to) {
			return true
		}
	}
	return false
}

// tableHeader starts the results table.
func tableHeader(w io.Writer) {
	fmt.Fprintf(w, "%-24s %-11s %6s %10s %10s %10s %11s %9s %10s %9s\n", "scenario", "client", "scored", "median", "p95", "max", "mean bound", "coverage", "limit", "bound/lim")
}

// printScenario prints one scenario's rows and the clockwatch/chronyd
// ratios; the first summary is chronyd's, the second clockwatch's. The
// limit columns are over the readings outside outages: the mean physical
// limit and the mean bound over it.
func printScenario(w io.Writer, name string, chrony, cw summary) {
	for _, s := range []summary{chrony, cw} {
		fmt.Fprintf(w, "%-24s %-11s %6d %10s %10s %10s %11s %8.3f%% %10s %9.2f\n", name, s.client, s.scored,
			seconds(s.median), seconds(s.p95), seconds(s.max), seconds(s.meanBound), 100*s.coverage(), seconds(s.limit), s.steadyBound/s.limit)
	}
	ratio := func(a, b float64) string { return fmt.Sprintf("%.2f", a/b) }
	fmt.Fprintf(w, "%-24s %-11s %6s %10s %10s %10s %11s\n", name, "ratio cw/ch", "",
		ratio(cw.median, chrony.median), ratio(cw.p95, chrony.p95), ratio(cw.max, chrony.max), ratio(cw.meanBound, chrony.meanBound))
	if chrony.outage != nil && cw.outage != nil {
		for _, s := range []summary{chrony, cw} {
			o := s.outage
			fmt.Fprintf(w, "%-24s %-11s %6d %10s %10s %10s %11s   (every server silent)\n", name+" outage", s.client, o.n,
				seconds(o.median), seconds(o.p95), seconds(o.max), seconds(o.meanBound))
		}
		c, k := chrony.outage, cw.outage
		fmt.Fprintf(w, "%-24s %-11s %6s %10s %10s %10s %11s\n", name+" outage", "ratio cw/ch", "",
			ratio(k.median, c.median), ratio(k.p95, c.p95), ratio(k.max, c.max), ratio(k.meanBound, c.meanBound))
	}
	for _, s := range []summary{chrony, cw} {
		if len(s.meanParts) == 0 {
			continue
		}
		var parts []string
		for _, p := range s.meanParts {
			parts = append(parts, p.name+" "+seconds(p.seconds))
		}
		fmt.Fprintf(w, "%-24s %-11s mean bound parts: %s\n", "", s.client, strings.Join(parts, ", "))
	}
	if len(cw.models) > 0 {
		var shares []string
		for _, m := range slices.Sorted(maps.Keys(cw.models)) {
			shares = append(shares, fmt.Sprintf("%s %.1f%%", m, 100*float64(cw.models[m])/float64(cw.scored)))
		}
		fmt.Fprintf(w, "%-24s %-11s drift model: %s of the scored readings\n", "", cw.client, strings.Join(shares, ", "))
	}
	if cw.limit > 0 {
		fmt.Fprintf(w, "%-24s %-11s a client whose offset were true would need a bound of %s, %.2f× the limit\n", "", "limit",
			seconds(cw.truthBound), cw.truthBound/cw.limit)
	}
	if is := cw.interval; is != nil {
		fmt.Fprintf(w, "%-24s %-11s offset interval: mean half-width %s (%.2f of chronyd's mean bound), coverage %.3f%%\n", "", cw.client,
			seconds(is.meanHalfWidth), is.meanHalfWidth/chrony.meanBound, 100*float64(is.covered)/float64(cw.scored))
	}
}

// seconds formats seconds as a duration rounded to 0.1 µs.
func seconds(s float64) string {
	if math.IsNaN(s) {
		return "-"
	}
	return time.Duration(s * 1e9).Round(100 * time.Nanosecond).String()
}
