package main

import (
	"log/slog"

	"github.com/clockwatch/clockwatch/estimator"
	"github.com/clockwatch/clockwatch/ntp"
)

// buildSources makes a source for everything the configuration names.
// Each kind of source adds its own loop here.
func buildSources(cfg config, client *ntp.Client, logger *slog.Logger) ([]source, error) {
	var out []source
	for _, server := range cfg.servers {
		s, err := ntp.NewSource(server, estimator.KindNTP, ntp.PollConfig{Interval: cfg.pollInterval}, client, logger)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}
