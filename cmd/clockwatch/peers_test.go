package main

import (
	"slices"
	"testing"
	"time"

	"github.com/clockwatch/clockwatch/internal/agent"
)

func TestPeerConfigLoad(t *testing.T) {
	tests := []struct {
		name    string
		file    string // YAML; empty: no --config.file
		args    []string
		check   func(t *testing.T, c agent.PeersConfig)
		errText string
	}{
		{
			name: "peers alone are enough sources, defaults",
			args: []string{"--peer=198.18.0.2"},
			check: func(t *testing.T, c agent.PeersConfig) {
				if len(c.Static) != 1 || c.Mode != agent.PeersSkew || c.Sample != 8 || c.MaxOffset != agent.DefaultPeersMaxOffset {
					t.Errorf("%+v", c)
				}
			},
		},
		{
			name: "file and flags merge: lists add, set flags override",
			file: "peers:\n  static: [198.18.0.2]\n  dns: [agents.svc]\n  sample: 3\n  mode: consensus\n  max-offset: 5ms\n",
			args: []string{"--peer=198.18.0.3:9000", "--peers.srv=_cw._udp.example", "--peers.max-offset=7ms"},
			check: func(t *testing.T, c agent.PeersConfig) {
				if !slices.Equal(c.Static, []string{"198.18.0.2", "198.18.0.3:9000"}) || !slices.Equal(c.DNS, []string{"agents.svc"}) ||
					!slices.Equal(c.SRV, []string{"_cw._udp.example"}) || c.Sample != 3 || c.Mode != agent.PeersConsensus || c.MaxOffset != 7*time.Millisecond {
					t.Errorf("%+v", c)
				}
			},
		},
		{name: "no servers, no peers", errText: "no sources"},
		{name: "consensus without peers", args: []string{"--ntp.server=a", "--peers.mode=consensus"}, errText: "needs peers"},
		{name: "bad static peer", args: []string{"--peer=host:0"}, errText: "HOST:PORT"},
		{name: "bad mode in file", file: "peers:\n  static: [a]\n  mode: vote\n", errText: "peers.mode"},
		{name: "sample of zero", args: []string{"--peer=a", "--peers.sample=0"}, errText: "peers.sample"},
		{name: "refresh too fast", args: []string{"--peer=a", "--peers.refresh-interval=1ms"}, errText: "refresh-interval"},
		{name: "unknown key", file: "peers:\n  statik: [a]\n", errText: "statik"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg, ok := loadTestCase(t, tc.file, tc.errText, tc.args...)
			if !ok {
				return
			}
			tc.check(t, cfg.Peers)
		})
	}
}
