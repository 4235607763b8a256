//go:build !linux

package ntp

import (
	"context"
	"time"

	"github.com/clockwatch/clockwatch/internal/localclock"
)

// newLoop returns what a source's polling loop runs on: its context,
// localclock.Sleep and a release with nothing to free.
func newLoop(ctx context.Context) (loopCtx context.Context, sleep func(context.Context, time.Duration) error, release func()) {
	return ctx, localclock.Sleep, func() {}
}
