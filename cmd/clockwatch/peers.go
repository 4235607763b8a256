package main

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/netip"
	"slices"
	"time"

	"github.com/alecthomas/kingpin/v2"
	"github.com/clockwatch/clockwatch/estimator"
	"github.com/clockwatch/clockwatch/exporters"
	"github.com/clockwatch/clockwatch/ntp"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/model"
)

// Peer modes (--peers.mode).
const (
	// peersModeSkew: peers measure pairwise skew; only upstream
	// references define true time.
	peersModeSkew = "skew"
	// peersModeConsensus: no upstream; the peers' clocks form fleet
	// consensus time.
	peersModeConsensus = "consensus"
)

// defaultMaxOffset is --peers.max-offset's default: well past the skew of
// NTP-synchronized hosts, well inside what breaks distributed systems.
const defaultMaxOffset = 100 * time.Millisecond

// filePeers is the peers section of the configuration file; each key is
// the flag of the same name (peers.static is --peer).
//
//	peers:
//	  static: ["198.18.0.2:9123"]
//	  dns: [clockwatch.monitoring.svc.cluster.local]
//	  srv: [_clockwatch._udp.example.com]
//	  sample: 8
//	  mode: skew
//	  max-offset: 100ms
//	  refresh-interval: 1m
//	  rotate-interval: 5m
type filePeers struct {
	Static          []string        `yaml:"static"`
	DNS             []string        `yaml:"dns"`
	SRV             []string        `yaml:"srv"`
	Sample          *int            `yaml:"sample"`
	Mode            string          `yaml:"mode"`
	MaxOffset       *model.Duration `yaml:"max-offset"`
	RefreshInterval *model.Duration `yaml:"refresh-interval"`
	RotateInterval  *model.Duration `yaml:"rotate-interval"`
}

// peerFlags are the peer mesh flags of run.
type peerFlags struct {
	static, dns, srv                 []string
	sample                           int
	mode                             string
	maxOffset, refresh, rotate       time.Duration
	sampleSet, modeSet, maxOffsetSet bool
	refreshSet, rotateSet            bool
}

// addPeerFlags registers the peer mesh flags on cmd.
func addPeerFlags(cmd *kingpin.CmdClause) *peerFlags {
	f := &peerFlags{}
	cmd.Flag("peer", fmt.Sprintf("Peer agent to measure, HOST or HOST:PORT (port %d by default: its --responder.listen-address). Repeatable; adds to peers.static.", ntp.DefaultResponderPort)).PlaceHolder("HOST[:PORT]").StringsVar(&f.static)
	cmd.Flag("peers.dns", "DNS name whose A records (AAAA when it has none) are peer agents, e.g. a Kubernetes headless Service; NAME or NAME:PORT. Repeatable; adds to peers.dns.").PlaceHolder("NAME[:PORT]").StringsVar(&f.dns)
	cmd.Flag("peers.srv", "DNS SRV name whose targets are peer agents, e.g. _clockwatch._udp.example.com. Repeatable; adds to peers.srv.").PlaceHolder("NAME").StringsVar(&f.srv)
	cmd.Flag("peers.sample", "How many peers to measure at a time, drawn at random from those discovered and rotated over time.").Default(fmt.Sprint(ntp.DefaultPeerSample)).IsSetByUser(&f.sampleSet).IntVar(&f.sample)
	cmd.Flag("peers.mode", "skew: peers measure pairwise skew and never define true time; consensus: without upstream servers, the peers' clocks form fleet consensus time.").Default(peersModeSkew).IsSetByUser(&f.modeSet).EnumVar(&f.mode, peersModeSkew, peersModeConsensus)
	cmd.Flag("peers.max-offset", "When more than half of the reachable peers see this host's clock further off than this, /healthz fails and clockwatch_peer_outlier is 1.").Default(defaultMaxOffset.String()).IsSetByUser(&f.maxOffsetSet).DurationVar(&f.maxOffset)
	cmd.Flag("peers.refresh-interval", "How often peer discovery runs again; a failed lookup keeps its last good answer.").Default(ntp.DefaultPeerRefresh.String()).IsSetByUser(&f.refreshSet).DurationVar(&f.refresh)
	cmd.Flag("peers.rotate-interval", "How often a quarter of the peer sample is swapped for other peers, so the whole fleet is covered.").Default(ntp.DefaultPeerRotate.String()).IsSetByUser(&f.rotateSet).DurationVar(&f.rotate)
	return f
}

// peerConfig is the merged, validated peer mesh configuration.
type peerConfig struct {
	static, dns, srv []string
	sample           int
	mode             string
	maxOffset        time.Duration
	refresh, rotate  time.Duration
}

// merge adds the flags to the file's peers section; flags add to lists and
// override scalars. Nil flags are the defaults.
func (f *peerFlags) merge(file filePeers) peerConfig {
	if f == nil {
		f = &peerFlags{sample: ntp.DefaultPeerSample, mode: peersModeSkew, maxOffset: defaultMaxOffset,
			refresh: ntp.DefaultPeerRefresh, rotate: ntp.DefaultPeerRotate}
	}
	c := peerConfig{
		static:    append(slices.Clone(file.Static), f.static...),
		dns:       append(slices.Clone(file.DNS), f.dns...),
		srv:       append(slices.Clone(file.SRV), f.srv...),
		sample:    f.sample,
		mode:      f.mode,
		maxOffset: pick(f.maxOffsetSet, f.maxOffset, file.MaxOffset),
		refresh:   pick(f.refreshSet, f.refresh, file.RefreshInterval),
		rotate:    pick(f.rotateSet, f.rotate, file.RotateInterval),
	}
	if !f.sampleSet && file.Sample != nil {
		c.sample = *file.Sample
	}
	if !f.modeSet && file.Mode != "" {
		c.mode = file.Mode
	}
	return c
}

// enabled reports whether any peer is configured.
func (c peerConfig) enabled() bool { return len(c.static)+len(c.dns)+len(c.srv) > 0 }

// consensus reports whether peers define time.
func (c peerConfig) consensus() bool { return c.mode == peersModeConsensus }

// validate checks the peer configuration.
func (c peerConfig) validate() error {
	switch {
	case c.mode != peersModeSkew && c.mode != peersModeConsensus:
		return fmt.Errorf("config: peers.mode %q is neither %s nor %s", c.mode, peersModeSkew, peersModeConsensus)
	case c.sample < 1:
		return fmt.Errorf("config: peers.sample %d must be at least 1", c.sample)
	case c.maxOffset <= 0:
		return fmt.Errorf("config: peers.max-offset %v must be positive", c.maxOffset)
	case c.refresh < time.Second || c.rotate < time.Second:
		return fmt.Errorf("config: peers.refresh-interval %v and peers.rotate-interval %v must be at least 1s", c.refresh, c.rotate)
	case c.consensus() && !c.enabled():
		return fmt.Errorf("config: peers.mode %s needs peers: give --peer, --peers.dns or --peers.srv", peersModeConsensus)
	}
	if err := c.discovery().Check(); err != nil {
		return fmt.Errorf("config: %w", err)
	}
	return nil
}

// discovery returns the discovery the configuration describes.
func (c peerConfig) discovery() *ntp.Discovery {
	return &ntp.Discovery{Static: c.static, DNS: c.dns, SRV: c.srv}
}

// sameDiscovery reports whether c discovers, samples and rotates peers
// exactly as d does, so a reload can keep the running mesh.
func (c peerConfig) sameDiscovery(d peerConfig) bool {
	return slices.Equal(c.static, d.static) && slices.Equal(c.dns, d.dns) && slices.Equal(c.srv, d.srv) &&
		c.sample == d.sample && c.refresh == d.refresh && c.rotate == d.rotate
}

// runningMesh is a peer mesh at work: it sends every new sample until
// stopped.
type runningMesh struct {
	samples <-chan []netip.AddrPort
	stop    context.CancelFunc
}

// startPeerMesh discovers peers as c says and sends every new sample until
// ctx ends or stop is called. self lists the addresses of this agent's
// responder.
func startPeerMesh(ctx context.Context, c peerConfig, self func() ([]netip.AddrPort, error), logger *slog.Logger) runningMesh {
	ctx, stop := context.WithCancel(ctx)
	samples := make(chan []netip.AddrPort)
	running := runningMesh{samples: samples, stop: stop}
	if !c.enabled() {
		return running
	}
	mesh := &ntp.PeerMesh{
		Discovery: c.discovery(),
		Sample:    ntp.NewPeerSample(c.sample, rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64()))),
		Refresh:   c.refresh,
		Rotate:    c.rotate,
		Self:      self,
		Logger:    logger.With("component", "peers"),
	}
	go mesh.Run(ctx, func(sample []netip.AddrPort) {
		logger.Info("peer sample", "peers", sample)
		select {
		case samples <- sample:
		case <-ctx.Done():
		}
	})
	return running
}

// peering is the agent's part in the peer mesh: the responder that lets
// peers measure it, and the metrics and health check of what they see.
type peering struct {
	responder *ntp.Responder
	listen    netip.AddrPort
}

// startPeering starts the responder when --responder.listen-address is
// set. It serves the agent's clock and advertises the agent's estimate.
func startPeering(ctx context.Context, f *responderFlags, cfg peerConfig, clock func() time.Time, current func() estimator.Estimate, logger *slog.Logger) (*peering, error) {
	p := &peering{}
	if !f.enabled() {
		return p, nil
	}
	consensus := cfg.consensus()
	quality := func() ntp.Quality { return ntp.QualityOf(current(), consensus) }
	var err error
	p.responder, p.listen, err = startResponder(ctx, f, clock, quality, logger)
	return p, err
}

// self lists the addresses this agent answers peers on.
func (p *peering) self() ([]netip.AddrPort, error) {
	if p.responder == nil {
		return nil, nil
	}
	return ntp.SelfAddresses(p.listen)
}

// collectors returns the mesh's metrics: what the peers see (also the
// /healthz check) and, with a responder, its counters.
func (p *peering) collectors(cfg peerConfig, current func() estimator.Estimate) []prometheus.Collector {
	out := []prometheus.Collector{exporters.NewPeerCollector(current, cfg.maxOffset)}
	if p.responder != nil {
		out = append(out, exporters.NewResponderCollector(p.responder.Stats))
	}
	return out
}
