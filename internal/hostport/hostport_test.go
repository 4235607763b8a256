package hostport

import (
	"net"
	"strconv"
	"strings"
	"testing"
)

func TestSplit(t *testing.T) {
	tests := []struct {
		in      string
		host    string
		port    uint16
		wantErr string
	}{
		{in: "time.example.com", host: "time.example.com", port: 123},
		{in: "time.example.com.", host: "time.example.com.", port: 123},
		{in: "not-resolvable-yet.invalid:124", host: "not-resolvable-yet.invalid", port: 124},
		{in: "ntp-0.ntp_svc.default.svc", host: "ntp-0.ntp_svc.default.svc", port: 123},
		{in: "localhost", host: "localhost", port: 123},
		{in: "192.0.2.1:10123", host: "192.0.2.1", port: 10123},
		{in: "::1", host: "::1", port: 123},
		{in: "[::1]", host: "::1", port: 123},
		{in: "[2001:db8::1]:124", host: "2001:db8::1", port: 124},
		{in: "fe80::1%eth0", host: "fe80::1%eth0", port: 123},
		{in: ":::", wantErr: `":::" is neither an IP address nor a DNS name`},
		{in: "::::", wantErr: "neither an IP address nor a DNS name"},
		{in: "a:b:c", wantErr: "neither an IP address nor a DNS name"},
		{in: "[::1", wantErr: "neither an IP address nor a DNS name"},
		{in: "[time.example.com]", wantErr: "only an IPv6 address goes in brackets"},
		{in: "[192.0.2.1]", wantErr: "only an IPv6 address goes in brackets"},
		{in: "", wantErr: "neither"},
		{in: ":123", wantErr: "neither"},
		{in: "a b", wantErr: "neither"},
		{in: "a/b", wantErr: "neither"},
		{in: "a..b", wantErr: "neither"},
		{in: "-a.example", wantErr: "neither"},
		{in: strings.Repeat("a", 64) + ".example", wantErr: "neither"},
		{in: "host:0", wantErr: `port "0"`},
		{in: "host:", wantErr: `port ""`},
		{in: "host:ntp", wantErr: `port "ntp"`},
		{in: "host:70000", wantErr: `port "70000"`},
	}
	for _, tc := range tests {
		host, port, err := Split(tc.in, 123)
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("Split(%q) = %q %d %v, want an error containing %q", tc.in, host, port, err, tc.wantErr)
			}
			continue
		}
		if err != nil || host != tc.host || port != tc.port {
			t.Errorf("Split(%q) = %q %d %v, want %q %d", tc.in, host, port, err, tc.host, tc.port)
		}
	}
}

// FuzzSplit: Split never panics, and what it accepts it accepts again
// written back as HOST:PORT, to the same host and port.
func FuzzSplit(f *testing.F) {
	for _, s := range []string{"time.example.com", "[::1]:123", ":::", "192.0.2.1:10123", "fe80::1%eth0", "[a", "a:b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		host, port, err := Split(s, 123)
		if err != nil {
			return
		}
		if host == "" || port == 0 {
			t.Fatalf("Split(%q) = %q %d", s, host, port)
		}
		h2, p2, err := Split(net.JoinHostPort(host, strconv.Itoa(int(port))), 9)
		if err != nil || h2 != host || p2 != port {
			t.Fatalf("Split(%q) = %q %d, but again: %q %d %v", s, host, port, h2, p2, err)
		}
	})
}
