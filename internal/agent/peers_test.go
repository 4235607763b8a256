package agent

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/clockwatch/clockwatch/estimator"
)

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

// TestResponderNTSNeedsTheResponder refuses an NTS certificate or key
// without a responder to serve, which would otherwise be ignored.
func TestResponderNTSNeedsTheResponder(t *testing.T) {
	nts := ResponderNTSConfig{Certificate: "agent.pem", Key: "agent.key", Listen: ":4460"}
	tests := []struct {
		name string
		c    ResponderConfig
		ok   bool
	}{
		{"no responder", ResponderConfig{}, true},
		{"plain responder", ResponderConfig{Listen: ":9123"}, true},
		{"NTS responder", ResponderConfig{Listen: ":9123", NTS: nts}, true},
		{"certificate alone", ResponderConfig{NTS: ResponderNTSConfig{Certificate: "agent.pem"}}, false},
		{"NTS without the responder", ResponderConfig{NTS: nts}, false},
	}
	for _, tt := range tests {
		err := tt.c.validate()
		if (err == nil) != tt.ok || (err != nil && !strings.Contains(err.Error(), "--responder.listen-address")) {
			t.Errorf("%s: %v; want ok %v, an error naming --responder.listen-address", tt.name, err, tt.ok)
		}
	}
}

// TestHealthFailsForThePeerOutlier: /healthz fails while most reachable
// peers see this host beyond the maximum offset, and every failing check
// is named.
func TestHealthFailsForThePeerOutlier(t *testing.T) {
	peer := func(name string, offset time.Duration) estimator.SourceEstimate {
		return estimator.SourceEstimate{SourceInfo: estimator.SourceInfo{Name: name, Kind: estimator.KindPeer}, Reachable: true, Reach: 0o377,
			Offset: offset, LastOffset: offset, ErrorBound: time.Millisecond, Delay: 200 * time.Microsecond}
	}
	ahead := estimator.Estimate{Sources: []estimator.SourceEstimate{peer("a", 40*time.Millisecond), peer("b", 41*time.Millisecond)}}
	agreed := estimator.Estimate{Sources: []estimator.SourceEstimate{peer("a", 0), peer("b", time.Millisecond)}}
	failing := func(estimator.Estimate) error { return errTest }
	tests := []struct {
		name   string
		health Health
		e      estimator.Estimate
		want   []string
	}{
		{name: "no checks", e: ahead},
		{name: "peers agree", health: Health{peerOutlierCheck(20 * time.Millisecond)}, e: agreed},
		{name: "this host is the outlier", health: Health{peerOutlierCheck(20 * time.Millisecond)}, e: ahead, want: []string{"outlier"}},
		{name: "every failure is named", health: Health{peerOutlierCheck(20 * time.Millisecond), failing}, e: ahead, want: []string{"outlier", errTest.Error()}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.health.Check(tc.e)
			if (err != nil) != (len(tc.want) > 0) {
				t.Fatalf("Check: %v, want failures %q", err, tc.want)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("Check: %v lacks %q", err, w)
				}
			}
		})
	}
}

// errTest is a failing health check's complaint.
var errTest = errors.New("the test's check fails")
