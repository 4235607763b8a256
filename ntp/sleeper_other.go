//go:build !linux

package ntp

import (
	"context"
	"time"

	"github.com/clockwatch/clockwatch/internal/localclock"
)

// newSleeper returns the sleep of a source's polling loop and what
// releases it: localclock.Sleep, which needs no release.
func newSleeper() (sleep func(context.Context, time.Duration) error, release func()) {
	return localclock.Sleep, func() {}
}
