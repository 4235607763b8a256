package ptp

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/clockwatch/clockwatch/estimator"
)

// newTestClientSource is a client whose sockets are fake grandmasters:
// multicast and unicast are what open returns for each mode (nil: the
// socket cannot be opened).
func newTestClientSource(t *testing.T, multicast, unicast *fakeGM) *ClientSource {
	t.Helper()
	s, err := NewClientSource("198.18.0.1", ClientConfig{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	s.now = func() time.Time { return epoch }
	s.route = func(netip.Addr) (*net.Interface, netip.Addr, error) {
		return &net.Interface{Name: "veth0", Index: 2}, netip.MustParseAddr("198.18.0.2"), nil
	}
	s.openPHC = func(string) (PHC, error) { return nil, errors.New("no PHC") }
	s.port = ourPort
	s.open = func(_ *net.Interface, _, _ netip.Addr, mc bool) (transport, error) {
		g := unicast
		if mc {
			g = multicast
		}
		if g == nil {
			return nil, errors.New("address in use")
		}
		g.t = t
		return g, nil
	}
	return s
}

func TestClientSource(t *testing.T) {
	multicastGM := func() *fakeGM {
		g := &fakeGM{now: epoch, ahead: -2 * time.Millisecond, delay: 30 * time.Microsecond}
		g.t = t
		g.announce()
		g.sync(1)
		return g
	}
	unicastGM := func() *fakeGM {
		return &fakeGM{now: epoch, ahead: -2 * time.Millisecond, delay: 30 * time.Microsecond}
	}
	tests := []struct {
		name       string
		multicast  *fakeGM
		unicast    *fakeGM
		wantResult estimator.Result
		wantErr    string
	}{
		{name: "multicast grandmaster", multicast: multicastGM(), wantResult: estimator.ResultOK},
		{name: "silent on multicast: unicast negotiation", multicast: &fakeGM{now: epoch}, unicast: unicastGM(), wantResult: estimator.ResultOK},
		{name: "nothing answers", multicast: &fakeGM{now: epoch}, unicast: &fakeGM{now: epoch, denyUnicast: true},
			wantResult: ResultNoGrandmaster, wantErr: "unicast_listen"},
		{name: "ports taken", wantResult: ResultNoGrandmaster, wantErr: "address in use"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newTestClientSource(t, tt.multicast, tt.unicast)
			defer s.disconnect()
			obs := s.poll(context.Background())
			if obs.Result != tt.wantResult || tt.wantErr != "" && !strings.Contains(obs.Err.Error(), tt.wantErr) {
				t.Fatalf("result %q (%v), want %q with %q", obs.Result, obs.Err, tt.wantResult, tt.wantErr)
			}
			if obs.Result != estimator.ResultOK {
				return
			}
			smp := obs.Sample
			gap := time.Microsecond
			wantDisp := 100*time.Nanosecond + time.Duration(float64(gap)*estimator.MaxFrequencyTolerance)
			if smp.Offset != 2*time.Millisecond || smp.Delay != 60*time.Microsecond || smp.RootDispersion != wantDisp ||
				smp.Stratum != 1 || smp.Timestamping != "kernel" {
				t.Errorf("sample %+v, want offset 2ms, delay 60µs, dispersion %v", smp, wantDisp)
			}
		})
	}
}
