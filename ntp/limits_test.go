package ntp

import (
	"context"
	"encoding/binary"
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/clockwatch/clockwatch/estimator"
)

// badReplies are the replies a probe found accepted before the sanity
// limits, each changing what an honest server on the local clock would
// send, and the result each must now be counted under.
var badReplies = []struct {
	name   string
	mutate func(reply []byte, rx time.Time)
	result estimator.Result
}{
	// Before: a 136-year delay and a 58-year (1.8e9 s) offset, selected.
	{"era-wrapped 136-year delay", func(b []byte, _ time.Time) { eraWrapped(b) }, ResultNegativeDelay},
	{"8000 s delay", func(b []byte, rx time.Time) { putTime(b[40:48], rx.Add(-8000*time.Second)) }, ResultMaxDelay},
	{"root delay 0xFFFFFFFF", func(b []byte, _ time.Time) { binary.BigEndian.PutUint32(b[4:8], 0xFFFFFFFF) }, ResultMaxDistance},
	{"precision 127", func(b []byte, _ time.Time) { b[3] = 127 }, ResultBadPrecision},
}

// TestSanityLimitsOnLoopback polls a fake server on loopback sending each
// bad reply: none may become a sample, and each is counted under its own
// result.
func TestSanityLimitsOnLoopback(t *testing.T) {
	for _, tc := range badReplies {
		t.Run(tc.name, func(t *testing.T) {
			addr := fakeServer(t, 0, tc.mutate)
			obs := pollOnce(t, addr)
			if obs.Result != tc.result || obs.Err == nil {
				t.Errorf("result %q (%v, sample offset %v delay %v), want %q", obs.Result, obs.Err, obs.Sample.Offset, obs.Sample.Delay, tc.result)
			}
		})
	}
}

// TestBadSourceCannotVouchForALiar runs an honest server, one 50 ms off
// and one sending each bad reply. Before the limits, the bad source's
// interval was so wide that it agreed with both others, made a majority
// for each and had the liar selected beside the honest server; now it has
// no samples, and the liar is never selected.
func TestBadSourceCannotVouchForALiar(t *testing.T) {
	for _, tc := range badReplies {
		t.Run(tc.name, func(t *testing.T) {
			servers := map[string]netip.AddrPort{
				"honest": fakeServer(t, 0, nil),
				"liar":   fakeServer(t, -50*time.Millisecond, nil),
				"bad":    fakeServer(t, 0, tc.mutate),
			}
			est := estimator.New(estimator.Config{})
			var infos []estimator.SourceInfo
			for name := range servers {
				infos = append(infos, estimator.SourceInfo{Name: name, Kind: estimator.KindNTP})
			}
			est.SetSources(infos)
			for range 4 {
				for name, addr := range servers {
					obs := pollOnce(t, addr)
					obs.Source, obs.Sample.Source = name, name
					_ = est.Observe(obs)
				}
			}
			e := est.Estimate(time.Now().Round(0))
			for _, s := range e.Sources {
				if s.Name == "liar" && s.Selected {
					t.Errorf("the liar is selected: %+v", s)
				}
				if s.Name == "bad" && (s.Selected || s.Results[tc.result] != 4 || !s.LastSample.IsZero()) {
					t.Errorf("the bad source: selected %v, results %v, last sample %v; want 4 polls counted as %s and no sample", s.Selected, s.Results, s.LastSample, tc.result)
				}
			}
			if e.Offset.Abs() > time.Second {
				t.Errorf("offset %v: a bad reply reached the estimate", e.Offset)
			}
		})
	}
}

// pollOnce polls the server at addr once as a Source does.
func pollOnce(t *testing.T, addr netip.AddrPort) estimator.Observation {
	t.Helper()
	src, err := NewSource(addr.String(), estimator.KindNTP, PollConfig{}, &Client{Timeout: 2 * time.Second}, nil)
	if err != nil {
		t.Fatal(err)
	}
	obs := src.Burst(context.Background(), 1, 0)
	if len(obs) != 1 {
		t.Fatalf("%d observations of one poll", len(obs))
	}
	return obs[0]
}

// fakeServer answers every request on a loopback port until the test ends
// with the reply of a server whose clock reads shift from this host's,
// changed by mutate (when not nil) given the reply and its receive time.
func fakeServer(t *testing.T, shift time.Duration, mutate func(reply []byte, rx time.Time)) netip.AddrPort {
	t.Helper()
	conn, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	r := &Responder{Stratum: 2, RootDelay: time.Millisecond, RootDispersion: time.Millisecond}
	go func() {
		buf := make([]byte, 1500)
		for {
			n, from, err := conn.ReadFromUDPAddrPort(buf)
			if err != nil {
				return
			}
			rx := time.Now().Add(shift)
			reply, ok := r.Reply(buf[:n], rx, time.Now().Add(shift))
			if !ok {
				continue
			}
			if mutate != nil {
				mutate(reply, rx)
			}
			_, _ = conn.WriteToUDPAddrPort(reply, from)
		}
	}()
	return conn.LocalAddr().(*net.UDPAddr).AddrPort()
}
