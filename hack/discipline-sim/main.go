// Command discipline-sim runs the clock discipline in a closed loop against
// simulated NTP servers (internal/sim's closed-loop catalogue, whose tests
// are the discipline's regression gate): a host clock with drift and wander
// that the discipline steers through a fake kernel, the real estimator
// measuring it, and the truth known at every instant. It prints, per
// scenario, the steps, the convergence time, the steady residual, the
// coverage of the estimate's bound and how a disturbance (an outage, a jump
// of the clock) was held and corrected; with -svg it also plots offset
// against time.
//
//	go run ./hack/discipline-sim                 all scenarios
//	go run ./hack/discipline-sim -svg /tmp/plots  and write SCENARIO.svg there
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/clockwatch/clockwatch/internal/sim"
)

func main() {
	seed := flag.Uint64("seed", 1, "seed of the run; the same seed gives the same run")
	only := flag.String("scenario", "", "run only this scenario (converge, outage, slew, wan)")
	svgDir := flag.String("svg", "", "directory to write an SVG plot of each scenario to")
	flag.Parse()
	if err := run(*seed, *only, *svgDir); err != nil {
		fmt.Fprintln(os.Stderr, "discipline-sim:", err)
		os.Exit(1)
	}
}

// run simulates the chosen scenarios and reports each.
func run(seed uint64, only, svgDir string) error {
	for _, sc := range sim.DisciplinedCatalogue() {
		if only != "" && sc.Name != only {
			continue
		}
		points, err := sim.RunDisciplined(sc, seed)
		if err != nil {
			return err
		}
		fmt.Print(sim.SummarizeDisciplined(sc, points))
		if svgDir != "" {
			if err := writePlot(filepath.Join(svgDir, sc.Name+".svg"), sc, points); err != nil {
				return err
			}
		}
	}
	return nil
}
