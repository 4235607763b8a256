package ntp

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/clockwatch/clockwatch/estimator"
	"github.com/clockwatch/clockwatch/internal/localclock"
)

func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// scriptedSource runs a Source whose queries return the scripted errors in
// order (nil: a good reply) and records the waits between polls.
func scriptedSource(t *testing.T, script []error) ([]estimator.Observation, []time.Duration) {
	t.Helper()
	src, err := NewSource("192.0.2.1", estimator.KindNTP, PollConfig{Interval: 16 * time.Second}, &Client{}, quietLogger())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	polls := 0
	src.query = func(context.Context, netip.AddrPort) (Exchange, error) {
		err := script[polls]
		polls++
		if err != nil {
			return Exchange{}, err
		}
		return testExchange(goodReply()), nil
	}
	var waits []time.Duration
	src.sleep = func(ctx context.Context, d time.Duration) error {
		waits = append(waits, d)
		if polls == len(script) {
			cancel()
		}
		return ctx.Err()
	}
	var obs []estimator.Observation
	src.Run(ctx, func(o estimator.Observation) { obs = append(obs, o) })
	return obs, waits
}

func TestSourceBurstThenSpreadInterval(t *testing.T) {
	script := make([]error, 12)
	obs, waits := scriptedSource(t, script)
	if len(obs) != 12 {
		t.Fatalf("%d observations, want 12", len(obs))
	}
	for i, w := range waits[:3] {
		if w != 2*time.Second {
			t.Errorf("burst wait %d = %v, want 2s", i, w)
		}
	}
	distinct := map[time.Duration]bool{}
	for _, w := range waits[3:] {
		if w < 14400*time.Millisecond || w > 17600*time.Millisecond {
			t.Errorf("interval %v outside 16s ±10%%", w)
		}
		distinct[w] = true
	}
	if len(distinct) < 2 {
		t.Error("intervals are not randomized")
	}
	for _, o := range obs {
		if o.Result != estimator.ResultOK || o.Sample.Source != "192.0.2.1:123" || o.Poll != 16*time.Second {
			t.Fatalf("bad observation %+v", o)
		}
	}
}

// TestPollConfigWait: the schedule a Source keeps, as a pure function a
// simulation calls.
func TestPollConfigWait(t *testing.T) {
	cfg := PollConfig{Interval: 16 * time.Second}
	tests := []struct {
		name                  string
		burst, failures, rate int
		atLeast, atMost       time.Duration
	}{
		{"in the burst", 3, 0, 1, 2 * time.Second, 2 * time.Second},
		{"last of the burst", 1, 0, 1, 14400 * time.Millisecond, 17600 * time.Millisecond},
		{"steady", 0, 0, 1, 14400 * time.Millisecond, 17600 * time.Millisecond},
		{"rate 0 counts as 1", 0, 0, 0, 14400 * time.Millisecond, 17600 * time.Millisecond},
		{"kiss-o'-death RATE x4", 0, 0, 4, 4 * 14400 * time.Millisecond, 4 * 17600 * time.Millisecond},
		{"just unreachable", 0, 8, 1, 2 * 14400 * time.Millisecond, 2 * 17600 * time.Millisecond},
		{"back-off capped", 0, 30, 1, 32 * 14400 * time.Millisecond, 32 * 17600 * time.Millisecond},
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for range 100 {
				if w := cfg.Wait(tc.burst, tc.failures, tc.rate, rng); w < tc.atLeast || w > tc.atMost {
					t.Fatalf("Wait = %v, want %v..%v", w, tc.atLeast, tc.atMost)
				}
			}
		})
	}
}

// TestBurstSpacing: the start-up burst spans 6 s, as chronyd's iburst
// does, so the drift it measures is good enough to carry over the first
// interval; at short polls it fits in the first interval.
func TestBurstSpacing(t *testing.T) {
	tests := []struct {
		cfg  PollConfig
		want time.Duration
	}{
		{PollConfig{}, 2 * time.Second},
		{PollConfig{Interval: 64 * time.Second}, 2 * time.Second},
		{PollConfig{Interval: 8 * time.Second}, 2 * time.Second},
		{PollConfig{Interval: time.Second}, 250 * time.Millisecond},
		{PollConfig{Interval: 64 * time.Second, Spacing: 100 * time.Millisecond}, 100 * time.Millisecond},
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for _, tc := range tests {
		if got := tc.cfg.Wait(DefaultBurst, 0, 1, rng); got != tc.want {
			t.Errorf("%+v: burst wait %v, want %v", tc.cfg, got, tc.want)
		}
	}
}

// TestBackOffAfterAShortOutage: at short intervals the polls back off
// only once a server has failed for two minutes, so a short outage ends
// unnoticed for no longer than a poll; at long ones after the 8 polls that
// make it unreachable, as before.
func TestBackOffAfterAShortOutage(t *testing.T) {
	tests := []struct {
		interval time.Duration
		failures int
		want     time.Duration
	}{
		{time.Second, 8, time.Second},
		{time.Second, 60, time.Second},
		{time.Second, 119, time.Second},
		{time.Second, 120, 2 * time.Second},
		{time.Second, 124, 32 * time.Second},
		{8 * time.Second, 14, 8 * time.Second},
		{8 * time.Second, 15, 16 * time.Second},
		{16 * time.Second, 8, 32 * time.Second},
		{64 * time.Second, 7, 64 * time.Second},
		{64 * time.Second, 8, 128 * time.Second},
	}
	for _, tc := range tests {
		cfg := PollConfig{Interval: tc.interval}.withDefaults()
		if got := cfg.slowed(tc.failures, 1); got != tc.want {
			t.Errorf("%v polls, %d failures: wait %v, want %v", tc.interval, tc.failures, got, tc.want)
		}
	}
}

// TestBackOffGraceSpansAnOutage: a server silent for 15 minutes, polled
// every 64 s, is polled again within one interval of its return when the
// grace covers the outage (the agent's is holdover.max), where the
// default grace of two minutes let the polls stretch to 512 s and the
// first one after the outage went out 7.4 minutes after it.
func TestBackOffGraceSpansAnOutage(t *testing.T) {
	const outage = 15 * time.Minute
	tests := []struct {
		grace        time.Duration
		atLeast, max time.Duration
	}{
		{0, 7 * time.Minute, 8 * time.Minute},
		{30 * time.Minute, 0, time.Minute + 4*time.Second},
	}
	for _, tc := range tests {
		cfg := PollConfig{Interval: 64 * time.Second, BackoffGrace: tc.grace}.withDefaults()
		if got := silentAfter(cfg, outage); got < tc.atLeast || got > tc.max {
			t.Errorf("grace %v: first poll %v after the outage, want %v..%v", tc.grace, got, tc.atLeast, tc.max)
		}
	}
}

// silentAfter is how long after an outage of every poll from time zero
// on, for the given length, the next poll goes out (without the random
// spread).
func silentAfter(cfg PollConfig, outage time.Duration) time.Duration {
	at, failures := time.Duration(0), 0
	for at < outage {
		failures++
		at += cfg.slowed(failures, 1)
	}
	return at - outage
}

func TestSourceBacksOffWhileUnreachable(t *testing.T) {
	timeout := reject(ResultTimeout, "no reply")
	script := make([]error, 16)
	for i := range script {
		script[i] = timeout
	}
	obs, waits := scriptedSource(t, script)
	if p := obs[len(obs)-1].Poll; p < 100*time.Second || p > 32*16*time.Second {
		t.Errorf("after %d timeouts the reported poll interval is %v; want the back-off, without jitter", len(script), p)
	}
	last := waits[len(waits)-1]
	if last < 100*time.Second {
		t.Errorf("after %d timeouts the wait is %v; want exponential back-off", len(script), last)
	}
	if max := 32 * 16 * time.Second * 11 / 10; last > max {
		t.Errorf("back-off %v exceeds the cap %v", last, max)
	}
}

func TestSourceKissOfDeath(t *testing.T) {
	rate := &RejectError{Result: ResultKoD, Kiss: KissRate, Err: errors.New("kod")}
	deny := &RejectError{Result: ResultKoD, Kiss: KissDeny, Err: errors.New("kod")}
	obs, waits := scriptedSource(t, []error{nil, nil, nil, nil, rate, nil, deny, nil})
	if len(obs) != 7 {
		t.Fatalf("%d observations, want the source to stop after DENY (7)", len(obs))
	}
	if w := waits[4]; w < 28*time.Second {
		t.Errorf("wait after RATE %v, want the interval doubled", w)
	}
	last := obs[len(obs)-1]
	if !last.Stop || last.Result != ResultKoD || last.Err == nil {
		t.Errorf("DENY observation %+v: want Stop with a reason", last)
	}
}

// TestSourceRateSlowdownDecays sends three kiss-o'-death RATE, which slow
// the polls eightfold, then only good replies: the interval must come back
// to the configured 16 s (it stayed eight times longer for ever before).
func TestSourceRateSlowdownDecays(t *testing.T) {
	rate := &RejectError{Result: ResultKoD, Kiss: KissRate, Err: errors.New("kod")}
	const kods, good = 3, 3 * rateDecayPolls
	script := append(make([]error, 4), rate, rate, rate) // the start-up burst, then RATE
	script = append(script, make([]error, good)...)
	obs, waits := scriptedSource(t, script)
	slowest := waits[4+kods-1]
	if slowest < 8*16*time.Second*9/10 {
		t.Errorf("wait after %d RATE %v, want 8 × 16s", kods, slowest)
	}
	for i, w := range waits[4+kods:] {
		if w > 8*16*time.Second*11/10 {
			t.Errorf("wait %d after RATE %v grew past 8 × 16s +10%%", i, w)
		}
	}
	if last := waits[len(waits)-1]; last > 16*time.Second*11/10 {
		t.Errorf("after %d good replies the wait is %v, want back to 16s ±10%%", good, last)
	}
	if last := obs[len(obs)-1]; last.Poll != 16*time.Second {
		t.Errorf("poll interval reported %v, want 16s", last.Poll)
	}
}

func TestSplitHostPort(t *testing.T) {
	tests := []struct {
		in   string
		host string
		port uint16
		ok   bool
	}{
		{"time.example.com", "time.example.com", 123, true},
		{"192.0.2.1:10123", "192.0.2.1", 10123, true},
		{"::1", "::1", 123, true},
		{"[::1]", "::1", 123, true},
		{"[2001:db8::1]:124", "2001:db8::1", 124, true},
		{"", "", 0, false},
		{"host:0", "", 0, false},
		{"host:ntp", "", 0, false},
		{"host:70000", "", 0, false},
		{"a b", "", 0, false},
	}
	for _, tc := range tests {
		host, port, err := SplitHostPort(tc.in)
		if (err == nil) != tc.ok || host != tc.host || port != tc.port {
			t.Errorf("SplitHostPort(%q) = %q %d %v", tc.in, host, port, err)
		}
	}
}

// TestQueryLoopback runs a real exchange against a Responder on loopback
// whose clock is 7 ms behind ours.
func TestQueryLoopback(t *testing.T) {
	conn, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	r := &Responder{Clock: func() time.Time { return time.Now().Add(-7 * time.Millisecond) }}
	go func() { _ = r.Serve(ctx, conn) }()
	addr := conn.LocalAddr().(*net.UDPAddr).AddrPort()
	c := &Client{Timeout: time.Second}
	for range 5 {
		x, err := c.Query(ctx, addr)
		if err != nil {
			t.Fatal(err)
		}
		s, err := x.Sample("lo")
		if err != nil {
			t.Fatal(err)
		}
		if (s.Offset - 7*time.Millisecond).Abs() > s.ErrorBound() {
			t.Errorf("offset %v ± %v misses 7ms", s.Offset, s.ErrorBound())
		}
		t.Logf("offset %v delay %v timestamps %s", s.Offset, s.Delay, s.Timestamping)
	}
}

// TestClientOnShiftedClock: a client whose local clock reads 40 ms ahead of
// the system clock, against a server on the system clock, must see itself
// 40 ms ahead; its kernel timestamps are moved onto its clock too, or the
// offset would be zero.
func TestClientOnShiftedClock(t *testing.T) {
	const shift = 40 * time.Millisecond
	addr := startResponder(t, &Responder{})
	c := &Client{Timeout: time.Second, Clock: localclock.Shifted(shift)}
	for range 5 {
		x, err := c.Query(context.Background(), addr)
		if err != nil {
			t.Fatal(err)
		}
		s, err := x.Sample("lo")
		if err != nil {
			t.Fatal(err)
		}
		if (s.Offset - shift).Abs() > s.ErrorBound() {
			t.Errorf("offset %v ± %v misses +40ms", s.Offset, s.ErrorBound())
		}
		if s.Delay > 10*time.Millisecond {
			t.Errorf("delay %v on loopback: the client's two timestamps disagree", s.Delay)
		}
	}
}

func TestQueryTimeoutAndGarbage(t *testing.T) {
	silent, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	garbage, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer garbage.Close()
	go func() {
		buf := make([]byte, 100)
		for {
			_, from, err := garbage.ReadFrom(buf)
			if err != nil {
				return
			}
			_, _ = garbage.WriteTo([]byte("not ntp"), from)
		}
	}()
	c := &Client{Timeout: 300 * time.Millisecond}
	ctx := context.Background()
	_, err = c.Query(ctx, silent.LocalAddr().(*net.UDPAddr).AddrPort())
	if ResultOf(err) != ResultTimeout {
		t.Errorf("silent server: %v, want timeout", err)
	}
	x, err := c.Query(ctx, garbage.LocalAddr().(*net.UDPAddr).AddrPort())
	if err == nil {
		_, err = x.Sample("garbage")
	}
	if ResultOf(err) != ResultMalformed {
		t.Errorf("garbage server: %v, want malformed", err)
	}
}

func TestNewNamedSource(t *testing.T) {
	tests := []struct {
		name, server string
		want         estimator.SourceInfo
	}{
		{name: "", server: "192.0.2.1", want: estimator.SourceInfo{Name: "192.0.2.1:123", Kind: estimator.KindNTP, Address: "192.0.2.1:123"}},
		{name: "alpha", server: "127.0.0.1:4123", want: estimator.SourceInfo{Name: "alpha", Kind: estimator.KindNTP, Address: "127.0.0.1:4123"}},
		{name: "gps-lab", server: "[2001:db8::1]", want: estimator.SourceInfo{Name: "gps-lab", Kind: estimator.KindNTP, Address: "[2001:db8::1]:123"}},
	}
	for _, tt := range tests {
		src, err := NewNamedSource(tt.name, tt.server, estimator.KindNTP, PollConfig{}, &Client{}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if got := src.Info(); got != tt.want {
			t.Errorf("NewNamedSource(%q, %q): %+v, want %+v", tt.name, tt.server, got, tt.want)
		}
	}
}
