package main

import (
	"slices"
	"strings"
	"testing"

	"github.com/clockwatch/clockwatch/internal/agent"
)

func TestPTPChronyConfig(t *testing.T) {
	tests := []struct {
		name    string
		yaml    string
		args    []string
		want    agent.Config
		wantErr string
	}{
		{name: "flags only", args: []string{"--ptp.ptp4l-socket=/run/ptp4l", "--ptp.phc=eth0", "--ptp.server=192.0.2.20", "--chrony.address=udp://127.0.0.1:323"},
			want: agent.Config{PTP: agent.PTPConfig{Ptp4lSocket: "/run/ptp4l", PHC: "eth0", Servers: []string{"192.0.2.20"}}, ChronyAddress: "udp://127.0.0.1:323"}},
		{name: "file only", yaml: "ptp:\n  ptp4l-socket: /var/run/ptp4l\n  servers: [192.0.2.20]\nchrony:\n  address: unix:///run/chrony/chronyd.sock\n",
			want: agent.Config{PTP: agent.PTPConfig{Ptp4lSocket: "/var/run/ptp4l", Servers: []string{"192.0.2.20"}}, ChronyAddress: "unix:///run/chrony/chronyd.sock"}},
		{name: "flags override scalars and add to lists", yaml: "ptp:\n  phc: /dev/ptp0\n  servers: [192.0.2.20]\n",
			args: []string{"--ptp.phc=eth1", "--ptp.server=192.0.2.21"},
			want: agent.Config{PTP: agent.PTPConfig{PHC: "eth1", Servers: []string{"192.0.2.20", "192.0.2.21"}}}},
		{name: "bad chrony address", args: []string{"--chrony.address=127.0.0.1:323"}, wantErr: "neither udp://HOST:PORT nor unix:///PATH"},
		{name: "PTP server twice", args: []string{"--ptp.server=192.0.2.20", "--ptp.server=192.0.2.20"}, wantErr: "listed twice"},
		{name: "PTP server not a host", args: []string{"--ptp.server=a b"}, wantErr: "not a host name"},
		{name: "unknown key", yaml: "ptp:\n  ptp4l_socket: /run/ptp4l\n", wantErr: "ptp4l_socket"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := loadTestConfig(t, tt.yaml, tt.args...)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got, want := cfg.PTP, tt.want.PTP
			if got.Ptp4lSocket != want.Ptp4lSocket || got.PHC != want.PHC || cfg.ChronyAddress != tt.want.ChronyAddress || !slices.Equal(got.Servers, want.Servers) {
				t.Errorf("got %+v %q, want %+v %q", got, cfg.ChronyAddress, want, tt.want.ChronyAddress)
			}
		})
	}
}
