package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/clockwatch/clockwatch/internal/sim"
)

func TestWritePlot(t *testing.T) {
	sc, ok := sim.FindDisciplined(sim.Outage)
	if !ok {
		t.Fatal("no outage scenario")
	}
	sc.Duration = 2 * time.Hour
	points, err := sim.RunDisciplined(sc, 1)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "outage.svg")
	if err := writePlot(path, sc, points); err != nil {
		t.Fatal(err)
	}
	svg, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"<svg", "<polyline", "<polygon", "step -1.000", "</svg>"} {
		if !strings.Contains(string(svg), want) {
			t.Errorf("plot lacks %q", want)
		}
	}
}
