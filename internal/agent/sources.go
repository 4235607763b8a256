package agent

import (
	"context"
	"log/slog"
	"net/netip"
	"time"

	"github.com/clockwatch/clockwatch/estimator"
	"github.com/clockwatch/clockwatch/ntp"
	"github.com/clockwatch/clockwatch/ptp"
)

// ptpInterval is how often the PTP sources measure: local sockets and PTP
// messages are cheap, and PTP grandmasters send a Sync every second or so.
const ptpInterval = time.Second

// sourceMaker makes the sources a configuration names, all on one local
// clock.
type sourceMaker struct {
	clock  Clock
	client *ntp.Client
	auth   *sourceAuth
	logger *slog.Logger
}

// newSourceMaker returns a maker of sources that read clock, NTP replies
// held to limits, authenticated as auth says.
func newSourceMaker(clock Clock, limits ntp.Limits, auth *sourceAuth, logger *slog.Logger) *sourceMaker {
	return &sourceMaker{clock: clock, client: &ntp.Client{Clock: clock, Limits: limits}, auth: auth, logger: logger}
}

// sources makes a source for everything cfg names and for every peer of
// the current sample, each authenticated as configured.
func (m *sourceMaker) sources(cfg Config, peers []netip.AddrPort) ([]Source, error) {
	servers, err := m.serverSources(cfg)
	if err != nil {
		return nil, err
	}
	out := make([]Source, 0, len(servers)+len(peers))
	for _, s := range servers {
		out = append(out, s)
	}
	local, err := m.localSources(cfg)
	if err != nil {
		return nil, err
	}
	out = append(out, local...)
	for _, peer := range peers {
		s, err := m.ntpSource(cfg, peer.String(), estimator.KindPeer, func(s *ntp.Source) error { return m.auth.peer(s, peer) })
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

// serverSources makes a source for every NTP server of cfg, with the NTP
// key if one is set, and for every NTS server.
func (m *sourceMaker) serverSources(cfg Config) ([]*ntp.Source, error) {
	out := make([]*ntp.Source, 0, len(cfg.NTPServers)+len(cfg.Auth.NTSServers))
	for _, server := range cfg.NTPServers {
		s, err := m.ntpSource(cfg, server, estimator.KindNTP, m.auth.ntpServer)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	for _, server := range cfg.Auth.NTSServers {
		ke, err := keServer(server)
		if err != nil {
			return nil, err
		}
		s, err := m.ntpSource(cfg, ke, estimator.KindNTP, func(s *ntp.Source) error {
			return m.auth.apply(s, func() (ntp.Authenticator, error) { return m.auth.ntsServer(ke, "") })
		})
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

// ntpSource makes the source of one server or peer and authenticates it.
func (m *sourceMaker) ntpSource(cfg Config, server string, kind estimator.Kind, authenticate func(*ntp.Source) error) (*ntp.Source, error) {
	s, err := ntp.NewNamedSource(cfg.ServerNames[server], server, kind, cfg.pollConfig(), m.client, m.logger)
	if err != nil {
		return nil, err
	}
	if err := authenticate(s); err != nil {
		return nil, err
	}
	return s, nil
}

// pollConfig is how the agent polls a server or peer: every
// PollInterval, backing off from one that does not answer only once it
// has been silent for HoldoverMax. While every source is silent the
// estimate is carried forward with a growing bound for that long, and
// each poll may end the outage: at 64 s polls, backing off after two
// minutes left the servers unpolled for 7 minutes after a 15-minute
// outage ended, while the offset drifted on and the bound grew.
func (c Config) pollConfig() ntp.PollConfig {
	return ntp.PollConfig{Interval: c.PollInterval, BackoffGrace: c.HoldoverMax}
}

// QuerySources makes the sources of a one-shot measurement such as
// `clockwatch query`: one for every NTP server of cfg (authenticated with
// cfg.Auth.NTPKey, if set) and one for every NTS server of cfg.Auth,
// trusting cfg.Auth.CAFile. Client sends their queries; the rest of cfg
// is not used.
func QuerySources(cfg Config, client *ntp.Client, logger *slog.Logger) ([]*ntp.Source, error) {
	if err := cfg.validateServers(); err != nil {
		return nil, err
	}
	if err := cfg.Auth.validate(); err != nil {
		return nil, err
	}
	auth, err := newSourceAuth(cfg.Auth)
	if err != nil {
		return nil, err
	}
	m := &sourceMaker{client: client, auth: auth, logger: logger}
	return m.serverSources(cfg)
}

// localSources makes the PTP and chronyd sources of cfg; chronyd is polled
// every poll interval.
func (m *sourceMaker) localSources(cfg Config) ([]Source, error) {
	var out []Source
	c := cfg.PTP
	if c.Ptp4lSocket != "" {
		out = append(out, ptp.NewPtp4lSource(ptp.Ptp4lConfig{Socket: c.Ptp4lSocket, Interval: ptpInterval, PHC: c.PHC, Clock: m.clock}, m.logger))
	}
	if c.PHC != "" {
		out = append(out, ptp.NewPHCSource(c.PHC, ptpInterval, m.clock, m.logger))
	}
	for _, server := range c.Servers {
		s, err := ptp.NewClientSource(server, ptp.ClientConfig{Interval: ptpInterval, Clock: m.clock}, m.logger)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	if cfg.ChronyAddress != "" {
		s, err := ntp.NewChronySource(cfg.ChronyAddress, cfg.PollInterval, m.clock, m.logger)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

// watchSources sends the agent a new set of sources on updates whenever it
// changes: a reloaded configuration (a bad one was refused before it got
// here) or a new sample of the peer mesh. It runs until ctx ends.
func (m *sourceMaker) watchSources(ctx context.Context, running Config, reloads <-chan Config, self func() ([]netip.AddrPort, error), updates chan<- SourceSet) {
	mesh := startPeerMesh(ctx, running.Peers, self, m.logger)
	defer func() { mesh.stop() }()
	var sample []netip.AddrPort
	for {
		restart := false
		select {
		case <-ctx.Done():
			return
		case sample = <-mesh.samples:
		case cfg := <-reloads:
			warnRestartOnly(m.logger, running, cfg)
			if !cfg.Peers.sameDiscovery(running.Peers) {
				mesh.stop()
				mesh, sample = startPeerMesh(ctx, cfg.Peers, self, m.logger), nil
			}
			restart = cfg.PollInterval != running.PollInterval
			running = cfg
			m.logger.Info("configuration reloaded", "ntp_servers", cfg.NTPServers, "nts_servers", cfg.Auth.NTSServers, "poll_interval", cfg.PollInterval)
		}
		sources, err := m.sources(running, sample)
		if err != nil {
			m.logger.Error("building sources failed; keeping the running ones", "err", err)
			continue
		}
		select {
		case updates <- SourceSet{Sources: sources, Restart: restart}:
		case <-ctx.Done():
			return
		}
	}
}

// warnRestartOnly logs the reloaded settings that take effect only at the
// next start.
func warnRestartOnly(logger *slog.Logger, running, next Config) {
	if next.HoldoverMax != running.HoldoverMax {
		logger.Warn("holdover.max changes take effect at the next start", "running", running.HoldoverMax)
	}
	if next.Limits != running.Limits {
		logger.Warn("ntp.max-delay and ntp.max-distance changes take effect at the next start", "max_delay", running.Limits.MaxDelay, "max_distance", running.Limits.MaxDistance)
	}
	if next.Auth.CAFile != running.Auth.CAFile || next.Auth.KeysFile != running.Auth.KeysFile || next.Auth.Required != running.Auth.Required {
		logger.Warn("nts.ca-file, keys.file and nts.required changes take effect at the next start", "ca_file", running.Auth.CAFile, "keys_file", running.Auth.KeysFile, "required", running.Auth.Required)
	}
	if next.Peers.Mode != running.Peers.Mode || next.Peers.MaxOffset != running.Peers.MaxOffset {
		logger.Warn("peers.mode and peers.max-offset changes take effect at the next start", "mode", running.Peers.Mode, "max_offset", running.Peers.MaxOffset)
	}
}
