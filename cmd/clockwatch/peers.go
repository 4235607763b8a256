package main

import (
	"fmt"
	"slices"
	"time"

	"github.com/alecthomas/kingpin/v2"
	"github.com/clockwatch/clockwatch/internal/agent"
	"github.com/clockwatch/clockwatch/ntp"
	"github.com/prometheus/common/model"
)

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
//	  rotate-interval: 1h
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
	cmd.Flag("peers.dns", "DNS name whose A (else AAAA) records are peer agents, NAME or NAME:PORT, e.g. a headless Service. Repeatable.").PlaceHolder("NAME[:PORT]").StringsVar(&f.dns)
	cmd.Flag("peers.srv", "DNS SRV name whose targets are peer agents, e.g. _clockwatch._udp.example.com. Repeatable; adds to peers.srv.").PlaceHolder("NAME").StringsVar(&f.srv)
	cmd.Flag("peers.sample", "How many peers to measure at a time, drawn at random from those discovered and rotated over time.").Default(fmt.Sprint(ntp.DefaultPeerSample)).IsSetByUser(&f.sampleSet).IntVar(&f.sample)
	cmd.Flag("peers.mode", "skew: peers measure pairwise skew only; consensus: without upstream servers, the peers' clocks define fleet time.").Default(string(agent.PeersSkew)).IsSetByUser(&f.modeSet).EnumVar(&f.mode, string(agent.PeersSkew), string(agent.PeersConsensus))
	cmd.Flag("peers.max-offset", "When most peers with a current measurement see this host's clock further off than this, /healthz fails and clockwatch_peer_outlier is 1.").Default(agent.DefaultPeersMaxOffset.String()).IsSetByUser(&f.maxOffsetSet).DurationVar(&f.maxOffset)
	cmd.Flag("peers.refresh-interval", "How often peer discovery runs again; a failed lookup keeps its last good answer.").Default(ntp.DefaultPeerRefresh.String()).IsSetByUser(&f.refreshSet).DurationVar(&f.refresh)
	cmd.Flag("peers.rotate-interval", "How often a quarter of the peer sample is swapped for other peers, so the whole fleet is covered.").Default(ntp.DefaultPeerRotate.String()).IsSetByUser(&f.rotateSet).DurationVar(&f.rotate)
	return f
}

// merge adds the flags to the file's peers section; flags add to lists and
// override scalars. Nil flags are the defaults.
func (f *peerFlags) merge(file filePeers) agent.PeersConfig {
	d := agent.DefaultPeers()
	if f == nil {
		f = &peerFlags{sample: d.Sample, mode: string(d.Mode), maxOffset: d.MaxOffset, refresh: d.Refresh, rotate: d.Rotate}
	}
	c := agent.PeersConfig{
		Static:    append(slices.Clone(file.Static), f.static...),
		DNS:       append(slices.Clone(file.DNS), f.dns...),
		SRV:       append(slices.Clone(file.SRV), f.srv...),
		Sample:    f.sample,
		Mode:      agent.PeersMode(f.mode),
		MaxOffset: pick(f.maxOffsetSet, f.maxOffset, file.MaxOffset),
		Refresh:   pick(f.refreshSet, f.refresh, file.RefreshInterval),
		Rotate:    pick(f.rotateSet, f.rotate, file.RotateInterval),
	}
	if !f.sampleSet && file.Sample != nil {
		c.Sample = *file.Sample
	}
	if !f.modeSet && file.Mode != "" {
		c.Mode = agent.PeersMode(file.Mode)
	}
	return c
}
