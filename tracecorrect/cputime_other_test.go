//go:build !unix

package tracecorrect_test

import "time"

// processCPUTime is unknown here; benchmarks then leave out spans/cpu-s.
func processCPUTime() time.Duration { return 0 }
