package main

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/clockwatch/clockwatch/internal/agent"
)

func TestAuthConfig(t *testing.T) {
	keys := filepath.Join(t.TempDir(), "chrony.keys")
	if err := os.WriteFile(keys, []byte("7 AES128 HEX:7EA62AE64D190114D46D5A082F948EC1\n25 SHA1 HEX:933F62BE1D604E68A81B557F18CFA200483F5B70\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		yaml    string
		args    []string
		want    agent.AuthConfig
		wantErr string
	}{
		{name: "flags only", args: []string{"--nts.server=time.example.com", "--nts.server=ntp.example.com:4461", "--nts.ca-file=/etc/ca.pem", "--nts.required"},
			want: agent.AuthConfig{NTSServers: []string{"time.example.com", "ntp.example.com:4461"}, CAFile: "/etc/ca.pem", Required: true}},
		{name: "file only", yaml: "nts:\n  servers: [time.example.com]\n  required: true\n  peers: true\n  peers-server-name: clockwatch.fleet\nkeys:\n  file: " + keys + "\n  ntp: 7\n  peers: 7\n",
			want: agent.AuthConfig{NTSServers: []string{"time.example.com"}, Required: true, NTSPeers: true, PeersServerName: "clockwatch.fleet", KeysFile: keys, NTPKey: 7, PeersKey: 7}},
		{name: "flags override scalars and add to lists", yaml: "nts:\n  servers: [a.example.com]\n  required: true\n",
			args: []string{"--nts.server=b.example.com", "--no-nts.required"},
			want: agent.AuthConfig{NTSServers: []string{"a.example.com", "b.example.com"}}},
		{name: "NTS server alone is a source", args: []string{"--nts.server=time.example.com"}, want: agent.AuthConfig{NTSServers: []string{"time.example.com"}}},
		{name: "NTS server twice", args: []string{"--nts.server=time.example.com", "--nts.server=time.example.com:4460"}, wantErr: "listed twice"},
		{name: "bad NTS port", args: []string{"--nts.server=time.example.com:0"}, wantErr: "port"},
		{name: "key without a key file", args: []string{"--keys.ntp=7"}, wantErr: "need keys.file"},
		{name: "key not in the file", args: []string{"--keys.file=" + keys, "--keys.ntp=8"}, wantErr: "no key 8"},
		{name: "key of another type", args: []string{"--keys.file=" + keys, "--keys.peers=25"}, wantErr: "key 25 is SHA1"},
		{name: "missing key file", args: []string{"--keys.file=/nonexistent/chrony.keys"}, wantErr: "keys.file"},
		{name: "unknown key", yaml: "nts:\n  server: [time.example.com]\n", wantErr: "server"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := tt.args
			if !strings.Contains(strings.Join(args, " ")+tt.yaml, "servers") && !strings.Contains(strings.Join(args, " "), "--nts.server") {
				args = append(args, "--ntp.server=192.0.2.1")
			}
			cfg, err := loadTestConfig(t, tt.yaml, args...)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(cfg.Auth, tt.want) {
				t.Errorf("got %+v, want %+v", cfg.Auth, tt.want)
			}
		})
	}
}
