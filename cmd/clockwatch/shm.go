package main

import (
	"log/slog"

	"github.com/clockwatch/clockwatch/estimator"
	"github.com/clockwatch/clockwatch/exporters"
)

// defaultShmPath is where `run` publishes its estimate for logicaltime
// readers (logicaltime.OpenBounded).
const defaultShmPath = "/run/clockwatch/clock"

// publishShm makes the agent publish every estimate to the shared memory
// file at path (nothing when path is empty) and returns what closes it. A
// file that cannot be opened is a warning: the agent still measures.
func publishShm(a *agent, path string, logger *slog.Logger) (closeShm func()) {
	if path == "" {
		return func() {}
	}
	w, err := exporters.NewShmWriter(path)
	if err != nil {
		logger.Warn("not publishing to shared memory; local services cannot read bounded time", "path", path, "err", err)
		return func() {}
	}
	logger.Info("publishing the estimate to shared memory", "path", path)
	failing := false
	a.publishers = append(a.publishers, func(e estimator.Estimate) {
		err := w.Publish(e)
		switch {
		case err != nil && !failing:
			logger.Warn("publishing to shared memory failed", "path", path, "err", err)
		case err == nil && failing:
			logger.Info("publishing to shared memory again", "path", path)
		}
		failing = err != nil
	})
	return func() {
		if err := w.Close(); err != nil {
			logger.Warn("closing shared memory", "path", path, "err", err)
		}
	}
}
