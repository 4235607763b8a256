package main

import (
	"cmp"
	"fmt"
	"io"
	"slices"
	"text/tabwriter"
	"time"

	"github.com/clockwatch/clockwatch/mesh"
)

// verdict is one inference as clockwatch-mesh reports it.
type verdict struct {
	Time         time.Time `json:"time"`
	Hosts        int       `json:"hosts"`
	Measurements int       `json:"measurements"`
	// Stale counts the measurements left out: taken before one of their
	// hosts stepped (mesh.Result.Stale).
	Stale int `json:"stale_measurements"`
	// Rerouted counts the measurements corrected for their path's route
	// changes (mesh.Result.Reroutes; with --every, from the second
	// inference on).
	Rerouted int        `json:"rerouted_measurements"`
	Named    []hostJSON `json:"named"`
	Suspects []hostJSON `json:"suspects"`
	Paths    []pathJSON `json:"asymmetric_paths"`
}

// hostJSON is a host's verdict, in seconds.
type hostJSON struct {
	Host   string  `json:"host"`
	Offset float64 `json:"offset_seconds"`
	Spread float64 `json:"spread_seconds"`
	Edges  int     `json:"measurements"`
	Ahead  int     `json:"ahead"`
	Behind int     `json:"behind"`
}

// pathJSON is an asymmetric path: a measurement's hosts, offset and
// error, and its residual, in seconds.
type pathJSON struct {
	From     string  `json:"from"`
	To       string  `json:"to"`
	Offset   float64 `json:"offset_seconds"`
	Error    float64 `json:"error_seconds"`
	Residual float64 `json:"residual_seconds"`
}

// newVerdict sums up r, the named hosts and suspects largest offset first,
// and at most paths paths.
func newVerdict(at time.Time, measurements int, r mesh.Result, paths int) verdict {
	v := verdict{Time: at, Hosts: len(r.Hosts), Measurements: measurements, Stale: len(r.Stale), Rerouted: len(r.Reroutes), Named: []hostJSON{}, Suspects: []hostJSON{}, Paths: []pathJSON{}}
	for _, h := range r.Hosts {
		j := hostJSON{Host: h.Name, Offset: h.Offset.Seconds(), Spread: h.Spread.Seconds(), Edges: h.Edges, Ahead: h.Ahead, Behind: h.Behind}
		switch {
		case h.Named:
			v.Named = append(v.Named, j)
		case h.Suspect:
			v.Suspects = append(v.Suspects, j)
		}
	}
	largest := func(a, b hostJSON) int { return cmp.Compare(abs(b.Offset), abs(a.Offset)) }
	slices.SortStableFunc(v.Named, largest)
	slices.SortStableFunc(v.Suspects, largest)
	for _, p := range r.Paths[:min(paths, len(r.Paths))] {
		v.Paths = append(v.Paths, pathJSON{From: p.From, To: p.To, Offset: p.Offset.Seconds(), Error: p.Error.Seconds(), Residual: p.Residual.Seconds()})
	}
	return v
}

func abs(x float64) float64 { return max(x, -x) }

// print writes the verdict for people.
func (v verdict) print(out io.Writer, threshold time.Duration) {
	fmt.Fprintf(out, "%s: %d hosts, %d measurements (%d stale: taken before one of their hosts stepped); %d named, provably beyond ±%v of the fleet's median host\n",
		v.Time.UTC().Format(time.RFC3339), v.Hosts, v.Measurements, v.Stale, len(v.Named), threshold)
	w := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	printHosts(w, "named", v.Named)
	printHosts(w, "suspect (off, not provably: slow or asymmetric paths)", v.Suspects)
	if len(v.Paths) > 0 {
		fmt.Fprintln(w, "\nasymmetric path\toffset\terror\tresidual")
		for _, p := range v.Paths {
			fmt.Fprintf(w, "%s -> %s\t%v\t%v\t%v\n", p.From, p.To, dur(p.Offset), dur(p.Error), dur(p.Residual))
		}
	}
	_ = w.Flush()
}

func printHosts(w io.Writer, title string, hosts []hostJSON) {
	if len(hosts) == 0 {
		return
	}
	fmt.Fprintf(w, "\n%s\toffset\tspread\tmeasurements beyond\n", title)
	for _, h := range hosts {
		fmt.Fprintf(w, "%s\t%v\t%v\t%d of %d\n", h.Host, dur(h.Offset), dur(h.Spread), max(h.Ahead, h.Behind), h.Edges)
	}
}

// dur formats seconds as a Duration to the microsecond.
func dur(s float64) time.Duration {
	return time.Duration(s * float64(time.Second)).Round(time.Microsecond)
}
