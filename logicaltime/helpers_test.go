package logicaltime

import (
	"testing"

	"github.com/clockwatch/clockwatch/logicaltime/clockshm"
)

// newTestRegion returns an in-memory region nothing was published to.
func newTestRegion(testing.TB) *clockshm.Region { return clockshm.NewMemoryRegion() }
