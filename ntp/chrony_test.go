package ntp

import (
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/clockwatch/clockwatch/estimator"
	"github.com/clockwatch/clockwatch/internal/localclock"
	"github.com/facebook/time/ntp/chrony"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

func TestParseChronyAddress(t *testing.T) {
	tests := []struct {
		address, network, target string
		wantErr                  bool
	}{
		{address: "udp://127.0.0.1:323", network: "udp", target: "127.0.0.1:323"},
		{address: "udp://[::1]:323", network: "udp", target: "[::1]:323"},
		{address: "unix:///run/chrony/chronyd.sock", network: "unix", target: "/run/chrony/chronyd.sock"},
		{address: "127.0.0.1:323", wantErr: true},
		{address: "udp://127.0.0.1", wantErr: true},
		{address: "tcp://127.0.0.1:323", wantErr: true},
		{address: "unix://run/chrony/chronyd.sock", wantErr: true},
		{address: "", wantErr: true},
		{address: "%zz", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.address, func(t *testing.T) {
			network, target, err := ParseChronyAddress(tt.address)
			if (err != nil) != tt.wantErr || network != tt.network || target != tt.target {
				t.Errorf("got %q %q %v", network, target, err)
			}
		})
	}
}

// fakeChronyd answers polls with a fixed report or error.
type fakeChronyd struct {
	report ChronyReport
	err    error
}

func (f *fakeChronyd) poll() (ChronyReport, error) { return f.report, f.err }

type fakeChronyPoller struct{ f *fakeChronyd }

func (p fakeChronyPoller) report() (ChronyReport, error) { return p.f.poll() }
func (p fakeChronyPoller) close()                        {}

// syncedReport is chronyd 1.5 ms slow of NTP time, following a server
// that it samples as the local clock 1.2 ms behind it.
func syncedReport() ChronyReport {
	return ChronyReport{
		Tracking: chrony.Tracking{RefID: 0xc0000201, IPAddr: net.ParseIP("192.0.2.1"), Stratum: 2, CurrentCorrection: 0.0015,
			RootDelay: 0.004, RootDispersion: 0.0007, LastOffset: -0.0001, RMSOffset: 0.0002, LastUpdateInterval: 64},
		Sources: []ChronySourceView{{Address: "192.0.2.1", Name: "ntp1.example.com",
			Data:  chrony.SourceData{Poll: 6, Stratum: 1, State: chrony.SourceStateSync, Mode: chrony.SourceModeClient, Reachability: 0x7f, SinceSample: 12, LatestMeas: -0.0012, LatestMeasErr: 0.002},
			Stats: chrony.SourceStats{NSamples: 8, StandardDeviation: 0.00005, EstimatedOffset: -0.0011}}},
	}
}

func newTestChronySource(t *testing.T, f *fakeChronyd, clock func() time.Time) *ChronySource {
	t.Helper()
	s, err := NewChronySource("udp://127.0.0.1:323", time.Second, clock, quietLogger())
	if err != nil {
		t.Fatal(err)
	}
	s.poller = fakeChronyPoller{f}
	return s
}

func TestChronySourcePoll(t *testing.T) {
	unsynced := syncedReport()
	unsynced.Tracking.LeapStatus = chronyLeapUnsynchronised
	local := syncedReport()
	local.Tracking.Stratum = 0
	tests := []struct {
		name   string
		chrony fakeChronyd
		// shift is how far the local clock is ahead of the system clock,
		// which chronyd steers.
		shift  time.Duration
		result estimator.Result
		offset time.Duration
		bound  time.Duration // chronyd's own: root delay/2 + root dispersion
	}{
		{name: "slow by 1.5 ms is offset -1.5 ms", chrony: fakeChronyd{report: syncedReport()}, result: estimator.ResultOK,
			offset: -1500 * time.Microsecond, bound: 2*time.Millisecond + 700*time.Microsecond},
		{name: "a local clock 1 s ahead of the system clock", chrony: fakeChronyd{report: syncedReport()}, shift: time.Second, result: estimator.ResultOK,
			offset: time.Second - 1500*time.Microsecond, bound: 2*time.Millisecond + 700*time.Microsecond},
		{name: "chronyd down", chrony: fakeChronyd{err: errors.New("connection refused")}, result: ResultDown},
		{name: "chronyd unsynchronised", chrony: fakeChronyd{report: unsynced}, result: ResultUnsynchronized},
		{name: "stratum 0", chrony: fakeChronyd{report: local}, result: ResultUnsynchronized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var clock func() time.Time
			if tt.shift != 0 {
				clock = localclock.Shifted(tt.shift)
			}
			before := localclock.System()
			obs := newTestChronySource(t, &tt.chrony, clock).poll()
			span := localclock.System().Sub(before)
			if obs.Result != tt.result {
				t.Fatalf("result %q (%v), want %q", obs.Result, obs.Err, tt.result)
			}
			if tt.result != estimator.ResultOK {
				return
			}
			if obs.Sample.ReferenceID != 0xc0000201 || obs.Sample.Leap != estimator.LeapNone {
				t.Errorf("reference ID %08X leap %v, want chronyd's C0000201 normal", obs.Sample.ReferenceID, obs.Sample.Leap)
			}
			if (obs.Sample.Offset-tt.offset).Abs() > span || obs.Sample.RootDistance() != tt.bound || obs.Sample.Stratum != 2 || obs.Sample.Delay != 0 {
				t.Errorf("sample %+v, want offset %v root distance %v", obs.Sample, tt.offset, tt.bound)
			}
			if err := obs.Sample.Validate(); err != nil {
				t.Error(err)
			}
		})
	}
}

func TestChronyMetrics(t *testing.T) {
	f := &fakeChronyd{report: syncedReport()}
	s := newTestChronySource(t, f, nil)
	if n := testutil.CollectAndCount(s); n != 2 {
		t.Errorf("%d series before the first poll, want only clockwatch_chrony_up and chrony_up", n)
	}
	s.poll()
	want := `
# HELP clockwatch_chrony_source_info One of chronyd's sources, its mode and selection state (value 1).
# TYPE clockwatch_chrony_source_info gauge
clockwatch_chrony_source_info{address="192.0.2.1",mode="client",name="ntp1.example.com",source="chrony:udp://127.0.0.1:323",state="sync"} 1
# HELP clockwatch_chrony_source_reachability_ratio Share of the last 8 polls of the source that were answered.
# TYPE clockwatch_chrony_source_reachability_ratio gauge
clockwatch_chrony_source_reachability_ratio{address="192.0.2.1",source="chrony:udp://127.0.0.1:323"} 0.875
# HELP clockwatch_chrony_source_poll_interval_seconds chronyd's polling interval of the source.
# TYPE clockwatch_chrony_source_poll_interval_seconds gauge
clockwatch_chrony_source_poll_interval_seconds{address="192.0.2.1",source="chrony:udp://127.0.0.1:323"} 64
# HELP clockwatch_chrony_tracking_system_time_seconds chronyd's estimate of the system clock minus true time (chronyc tracking's System time, positive when fast).
# TYPE clockwatch_chrony_tracking_system_time_seconds gauge
clockwatch_chrony_tracking_system_time_seconds{source="chrony:udp://127.0.0.1:323"} -0.0015
`
	names := []string{"clockwatch_chrony_source_info", "clockwatch_chrony_source_reachability_ratio",
		"clockwatch_chrony_source_poll_interval_seconds", "clockwatch_chrony_tracking_system_time_seconds"}
	if err := testutil.CollectAndCompare(s, strings.NewReader(want), names...); err != nil {
		t.Error(err)
	}
	if n := testutil.CollectAndCount(s); n != 9+10+29 {
		t.Errorf("%d series, want clockwatch's 9 of tracking and 10 of the one source, and chrony_exporter's 29 (up, 13 of tracking, 15 of the source)", n)
	}
	f.err = errors.New("gone")
	s.poll()
	if n := testutil.CollectAndCount(s); n != 2 {
		t.Errorf("%d series while chronyd is down, want only clockwatch_chrony_up and chrony_up", n)
	}
}
