package agent

import (
	"strings"
	"testing"
	"time"

	"github.com/clockwatch/clockwatch/ntp"
)

// validConfig is a configuration Validate accepts, for tests to spoil.
func validConfig() Config {
	return Config{
		NTPServers: []string{"time.example.com"}, PollInterval: 16 * time.Second, HoldoverMax: time.Hour,
		Limits: ntp.Limits{MaxDelay: ntp.DefaultMaxDelay, MaxDistance: ntp.DefaultMaxDistance}, Peers: DefaultPeers(),
	}
}

// TestValidateServerAddresses: a server that can never be a host is
// refused at start with the flag named; a name that does not resolve
// yet is accepted, since only its syntax is checked.
func TestValidateServerAddresses(t *testing.T) {
	tests := []struct {
		name    string
		spoil   func(*Config)
		wantErr []string
	}{
		{"unresolvable name", func(c *Config) { c.NTPServers = []string{"not-yet.invalid", "[2001:db8::1]:124"} }, nil},
		{"--ntp.server :::", func(c *Config) { c.NTPServers = []string{":::"} }, []string{"--ntp.server", `":::"`}},
		{"--ntp.server a:b:c", func(c *Config) { c.NTPServers = []string{"a:b:c"} }, []string{"--ntp.server", `"a:b:c"`}},
		{"--ntp.server port", func(c *Config) { c.NTPServers = []string{"a:99999"} }, []string{"--ntp.server", `port "99999"`}},
		{"--nts.server :::", func(c *Config) { c.Auth.NTSServers = []string{":::"} }, []string{"--nts.server", `":::"`}},
		{"--peer :::", func(c *Config) { c.Peers.Static = []string{":::"} }, []string{"--peer", `":::"`}},
		{"--peers.dns :::", func(c *Config) { c.Peers.DNS = []string{"::::"} }, []string{"--peers.dns", `"::::"`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := validConfig()
			tc.spoil(&c)
			err := c.Validate()
			if tc.wantErr == nil {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("accepted")
			}
			for _, want := range tc.wantErr {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not contain %q", err, want)
				}
			}
		})
	}
}
