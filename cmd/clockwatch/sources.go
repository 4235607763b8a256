package main

import (
	"log/slog"
	"net/netip"

	"github.com/clockwatch/clockwatch/estimator"
	"github.com/clockwatch/clockwatch/ntp"
)

// buildSources makes a source for everything the configuration names.
// Each kind of source adds its own loop here.
func buildSources(cfg config, client *ntp.Client, logger *slog.Logger) ([]source, error) {
	var out []source
	for _, server := range cfg.servers {
		s, err := ntp.NewNamedSource(cfg.serverNames[server], server, estimator.KindNTP, ntp.PollConfig{Interval: cfg.pollInterval}, client, logger)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	local, err := ptpChronySources(cfg.ptpChrony, cfg.pollInterval, logger)
	if err != nil {
		return nil, err
	}
	return append(out, local...), nil
}

// peerSources makes a source for every peer of the current sample.
func peerSources(sample []netip.AddrPort, cfg config, client *ntp.Client, logger *slog.Logger) ([]source, error) {
	out := make([]source, 0, len(sample))
	for _, peer := range sample {
		s, err := ntp.NewSource(peer.String(), estimator.KindPeer, ntp.PollConfig{Interval: cfg.pollInterval}, client, logger)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}
