package discipline

import (
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
)

func TestCollector(t *testing.T) {
	h := newHarness(t, Config{}, KernelState{Frequency: -50e-6})
	h.run(t, []update{synced(0, time.Second, time.Millisecond, 0, 1), synced(time.Second, 640*time.Microsecond, 100*time.Microsecond, 0, 2)})
	want := `
# HELP clockwatch_discipline_frequency_ratio Frequency correction the discipline keeps in the kernel, drift correction and slew together (positive: the clock is made to run faster).
# TYPE clockwatch_discipline_frequency_ratio gauge
clockwatch_discipline_frequency_ratio -6e-05
# HELP clockwatch_discipline_slew_ratio Part of the frequency correction that is slewing an offset away.
# TYPE clockwatch_discipline_slew_ratio gauge
clockwatch_discipline_slew_ratio -1e-05
# HELP clockwatch_discipline_steps_total Times the discipline stepped the clock.
# TYPE clockwatch_discipline_steps_total counter
clockwatch_discipline_steps_total 1
# HELP clockwatch_discipline_updates_total Times the discipline steered the clock after a new sample.
# TYPE clockwatch_discipline_updates_total counter
clockwatch_discipline_updates_total 2
`
	c := NewCollector(h.d)
	if err := testutil.CollectAndCompare(c, strings.NewReader(want)); err != nil {
		t.Fatal(err)
	}
	if problems, err := testutil.CollectAndLint(c); err != nil || len(problems) != 0 {
		t.Fatalf("lint: %v %+v", err, problems)
	}
}
