package ntp

import (
	"context"
	"testing"
	"time"

	"github.com/clockwatch/clockwatch/estimator"
	"github.com/clockwatch/clockwatch/internal/testlab"
	"github.com/facebook/time/ntp/chrony"
)

// TestChronySourceAgainstChronyd runs a real chronyd (measure-only) that
// polls an NTP server on loopback whose clock runs 40 ms ahead of this
// host's. chronyd must find this host 40 ms slow, and the chrony source
// must report that as offset −40 ms (local − reference) within chronyd's
// bound, over UDP and over the unix socket alike.
func TestChronySourceAgainstChronyd(t *testing.T) {
	const ahead = 40 * time.Millisecond
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	chronyd := testlab.MeasuringChronyd(t, skewedServer(ctx, t, "127.0.0.1", ahead, 0))

	for _, address := range []string{chronyd.UDP, "unix://" + chronyd.Socket} {
		t.Run(address, func(t *testing.T) {
			src, err := NewChronySource(address, time.Second, nil, quietLogger())
			if err != nil {
				t.Fatal(err)
			}
			defer src.poller.close()
			var obs estimator.Observation
			deadline := time.Now().Add(20 * time.Second)
			for obs = src.poll(); obs.Result != estimator.ResultOK || src.latest.Tracking.LastUpdateInterval == 0; obs = src.poll() {
				if time.Now().After(deadline) {
					t.Fatalf("chronyd not synchronised after 20 s: %s %v", obs.Result, obs.Err)
				}
				time.Sleep(200 * time.Millisecond)
			}
			smp := obs.Sample
			if miss := (smp.Offset + ahead).Abs(); miss > smp.ErrorBound() {
				t.Errorf("offset %v ± %v, but the host is %v behind the server", smp.Offset, smp.ErrorBound(), ahead)
			}
			if s := src.latest.Sources; len(s) != 1 || s[0].Address != "127.0.0.1" || s[0].Data.State != chrony.SourceStateSync || s[0].Stats.NSamples == 0 {
				t.Errorf("chronyd's sources: %+v", s)
			}
			t.Logf("chronyd: offset %v ± %v", smp.Offset, smp.ErrorBound())
		})
	}
}
