//go:build !unix

package clockwatchprocessor

import "time"

// processCPUTime is unknown here; benchmarks then report wall-clock rates
// only.
func processCPUTime() time.Duration { return 0 }
