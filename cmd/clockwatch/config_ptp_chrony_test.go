package main

import (
	"slices"
	"strings"
	"testing"
)

func TestPTPChronyConfig(t *testing.T) {
	tests := []struct {
		name    string
		yaml    string
		args    []string
		want    ptpChronyConfig
		wantErr string
	}{
		{name: "flags only", args: []string{"--ptp.ptp4l-socket=/run/ptp4l", "--ptp.phc=eth0", "--ptp.server=192.0.2.20", "--chrony.address=udp://127.0.0.1:323"},
			want: ptpChronyConfig{ptp4lSocket: "/run/ptp4l", phc: "eth0", servers: []string{"192.0.2.20"}, chronyAddress: "udp://127.0.0.1:323"}},
		{name: "file only", yaml: "ptp:\n  ptp4l-socket: /var/run/ptp4l\n  servers: [192.0.2.20]\nchrony:\n  address: unix:///run/chrony/chronyd.sock\n",
			want: ptpChronyConfig{ptp4lSocket: "/var/run/ptp4l", servers: []string{"192.0.2.20"}, chronyAddress: "unix:///run/chrony/chronyd.sock"}},
		{name: "flags override scalars and add to lists", yaml: "ptp:\n  phc: /dev/ptp0\n  servers: [192.0.2.20]\n",
			args: []string{"--ptp.phc=eth1", "--ptp.server=192.0.2.21"},
			want: ptpChronyConfig{phc: "eth1", servers: []string{"192.0.2.20", "192.0.2.21"}}},
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
			got := cfg.ptpChrony
			if got.ptp4lSocket != tt.want.ptp4lSocket || got.phc != tt.want.phc || got.chronyAddress != tt.want.chronyAddress || !slices.Equal(got.servers, tt.want.servers) {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}
