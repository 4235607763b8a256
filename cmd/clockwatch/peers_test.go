package main

import (
	"slices"
	"testing"
	"time"
)

func TestPeerConfigLoad(t *testing.T) {
	tests := []struct {
		name    string
		file    string // YAML; empty: no --config.file
		args    []string
		check   func(t *testing.T, c peerConfig)
		errText string
	}{
		{
			name: "peers alone are enough sources, defaults",
			args: []string{"--peer=198.18.0.2"},
			check: func(t *testing.T, c peerConfig) {
				if !c.enabled() || c.consensus() || c.sample != 8 || c.maxOffset != defaultMaxOffset {
					t.Errorf("%+v", c)
				}
			},
		},
		{
			name: "file and flags merge: lists add, set flags override",
			file: "peers:\n  static: [198.18.0.2]\n  dns: [agents.svc]\n  sample: 3\n  mode: consensus\n  max-offset: 5ms\n",
			args: []string{"--peer=198.18.0.3:9000", "--peers.srv=_cw._udp.example", "--peers.max-offset=7ms"},
			check: func(t *testing.T, c peerConfig) {
				if !slices.Equal(c.static, []string{"198.18.0.2", "198.18.0.3:9000"}) || !slices.Equal(c.dns, []string{"agents.svc"}) ||
					!slices.Equal(c.srv, []string{"_cw._udp.example"}) || c.sample != 3 || !c.consensus() || c.maxOffset != 7*time.Millisecond {
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
			tc.check(t, cfg.peers)
		})
	}
}

func TestResponderAddress(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{":9123", ":9123", true},
		{"198.18.0.1", "198.18.0.1:9123", true},
		{"198.18.0.1:4000", "198.18.0.1:4000", true},
		{"::1", "[::1]:9123", true},
		{"[::1]:4000", "[::1]:4000", true},
		{"198.18.0.1:port", "", false},
	}
	for _, tc := range tests {
		addr, err := responderAddress(tc.in)
		if (err == nil) != tc.ok || (tc.ok && addr.String() != tc.want) {
			t.Errorf("responderAddress(%q) = %v, %v; want %s", tc.in, addr, err, tc.want)
		}
	}
}
