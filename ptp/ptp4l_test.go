package ptp

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/clockwatch/clockwatch/estimator"
	"github.com/clockwatch/clockwatch/internal/localclock"
	"github.com/facebook/time/ptp/protocol"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

// fakePtp4lReader returns the statuses it is given, one per poll.
type fakePtp4lReader struct {
	polls []fakePoll
	n     int
}

type fakePoll struct {
	status Ptp4lStatus
	err    error
}

func (f *fakePtp4lReader) status() (Ptp4lStatus, error) {
	p := f.polls[min(f.n, len(f.polls)-1)]
	f.n++
	return p.status, p.err
}

func (f *fakePtp4lReader) close() {}

// fakePHC returns one reading, or err.
type fakePHC struct {
	reading PHCReading
	err     error
	closed  bool
}

func (f *fakePHC) Read() (PHCReading, error) { return f.reading, f.err }
func (f *fakePHC) Close() error              { f.closed = true; return nil }

var epoch = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// slaveStatus is ptp4l following a grandmaster of 100 ns accuracy, its
// Sync of sequence i arriving i seconds after epoch.
func slaveStatus(i int, offset time.Duration, ts protocol.Timestamping) Ptp4lStatus {
	return Ptp4lStatus{
		OffsetFromMaster:   offset,
		IngressTime:        epoch.Add(time.Duration(i) * time.Second),
		MeanPathDelay:      2 * time.Microsecond,
		StepsRemoved:       1,
		GrandmasterPresent: true,
		Grandmaster:        0xaa2b66fffe082961,
		GrandmasterQuality: protocol.ClockQuality{ClockClass: 6, ClockAccuracy: protocol.ClockAccuracyNanosecond100},
		Time: TimePropertiesTLV{CurrentUTCOffset: 37,
			Flags: uint8(protocol.FlagPTPTimescale | protocol.FlagCurrentUtcOffsetValid)},
		Ports: []PortStatus{{Number: 1, State: protocol.PortStateSlave, Timestamping: ts, Interface: "eth0"}},
	}
}

// logCounter counts log records at warning level and above.
type logCounter struct{ warnings int }

func (c *logCounter) Enabled(context.Context, slog.Level) bool { return true }
func (c *logCounter) Handle(_ context.Context, r slog.Record) error {
	if r.Level >= slog.LevelWarn {
		c.warnings++
	}
	return nil
}
func (c *logCounter) WithAttrs([]slog.Attr) slog.Handler { return c }
func (c *logCounter) WithGroup(string) slog.Handler      { return c }

// newTestPtp4lSource is a source over a fake reader whose clock advances
// a second per poll.
func newTestPtp4lSource(polls []fakePoll, phc PHC, logs *logCounter) *Ptp4lSource {
	s := NewPtp4lSource(Ptp4lConfig{Socket: "/run/ptp4l-test"}, slog.New(logs))
	s.client = &fakePtp4lReader{polls: polls}
	s.openPHC = func(string) (PHC, error) {
		if phc == nil {
			return nil, errors.New("no such device")
		}
		return phc, nil
	}
	clock := epoch
	s.now = func() time.Time { clock = clock.Add(time.Second); return clock }
	return s
}

func TestPtp4lSourceResults(t *testing.T) {
	down := fakePoll{err: errors.New("connect: no such file")}
	tests := []struct {
		name     string
		polls    []fakePoll
		phc      PHC
		want     []estimator.Result
		warnings int
	}{
		{name: "ptp4l down is one warning, not a storm", polls: []fakePoll{down, down, down, down},
			want: []estimator.Result{ResultDown, ResultDown, ResultDown, ResultDown}, warnings: 1},
		{name: "restart: down then up again", polls: []fakePoll{
			{status: slaveStatus(1, 100, protocol.TimestampingSoftware)}, down,
			{status: slaveStatus(3, 120, protocol.TimestampingSoftware)}},
			want: []estimator.Result{estimator.ResultOK, ResultDown, estimator.ResultOK}, warnings: 1},
		{name: "listening: no master", polls: []fakePoll{{status: func() Ptp4lStatus {
			s := slaveStatus(1, 0, protocol.TimestampingSoftware)
			s.Ports[0].State = protocol.PortStateListening
			return s
		}()}}, want: []estimator.Result{ResultNoMaster}, warnings: 1},
		{name: "no new Sync: nothing, then stale", polls: []fakePoll{
			{status: slaveStatus(1, 100, protocol.TimestampingSoftware)}},
			want:     []estimator.Result{estimator.ResultOK, "", "", "", "", "", "", "", "", ResultStale},
			warnings: 1},
		{name: "hardware timestamps without a PHC", polls: []fakePoll{{status: slaveStatus(1, 0, protocol.TimestampingHardware)}},
			want: []estimator.Result{ResultNoPHC}, warnings: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			logs := &logCounter{}
			s := newTestPtp4lSource(tt.polls, tt.phc, logs)
			for i, want := range tt.want {
				obs, ok := s.poll()
				got := obs.Result
				if !ok {
					got = ""
				}
				if got != want {
					t.Errorf("poll %d: result %q (%v), want %q", i, got, obs.Err, want)
				}
			}
			if logs.warnings != tt.warnings {
				t.Errorf("%d warnings logged, want %d", logs.warnings, tt.warnings)
			}
		})
	}
}

func TestPtp4lSourceSample(t *testing.T) {
	phc := &fakePHC{reading: PHCReading{SysTime: epoch, Offset: -37*time.Second + 3*time.Microsecond, Delay: 400 * time.Nanosecond}}
	tests := []struct {
		name       string
		ts         protocol.Timestamping
		offsets    []time.Duration
		wantOffset time.Duration
		wantDelay  time.Duration
		wantTime   time.Time
		wantDisp   time.Duration
		wantStamp  string
		leapFlag   uint16
		wantLeap   estimator.Leap
		// shift is how far the local clock reads ahead of the system clock.
		shift time.Duration
	}{
		{name: "software: ptp4l's clock is the system clock", ts: protocol.TimestampingSoftware,
			offsets: []time.Duration{500, -300, 200}, wantOffset: 200, wantDelay: 4 * time.Microsecond,
			wantTime: epoch.Add(3 * time.Second), wantDisp: 100 + 800, wantStamp: "kernel",
			leapFlag: protocol.FlagLeap61, wantLeap: estimator.LeapInsert},
		{name: "hardware: the PHC (TAI) carries the offset to the system clock", ts: protocol.TimestampingHardware,
			offsets: []time.Duration{-50}, wantOffset: 3*time.Microsecond - 50, wantDelay: 4*time.Microsecond + 400,
			wantTime: epoch.Add(time.Second - 37*time.Second + 3*time.Microsecond), wantDisp: 100, wantStamp: "hardware",
			leapFlag: protocol.FlagLeap59, wantLeap: estimator.LeapDelete},
		{name: "software, on a local clock 1 s ahead of the system clock", ts: protocol.TimestampingSoftware,
			offsets: []time.Duration{200}, shift: time.Second, wantOffset: time.Second + 200, wantDelay: 4 * time.Microsecond,
			wantTime: epoch.Add(2 * time.Second), wantDisp: 100, wantStamp: "kernel"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var polls []fakePoll
			for i, o := range tt.offsets {
				st := slaveStatus(i+1, o, tt.ts)
				st.Time.Flags |= uint8(tt.leapFlag)
				polls = append(polls, fakePoll{status: st})
			}
			s := newTestPtp4lSource(polls, phc, &logCounter{})
			if tt.shift != 0 {
				s.cfg.Clock = localclock.Shifted(tt.shift)
			}
			var obs estimator.Observation
			before := localclock.System()
			for range tt.offsets {
				obs, _ = s.poll()
			}
			span := localclock.System().Sub(before)
			smp := obs.Sample
			if obs.Result != estimator.ResultOK || (smp.Offset-tt.wantOffset).Abs() > span || smp.Delay != tt.wantDelay ||
				(smp.Time.Sub(tt.wantTime)-(smp.Offset-tt.wantOffset)).Abs() > 0 || smp.RootDispersion != tt.wantDisp || smp.Timestamping != tt.wantStamp || smp.Stratum != 1 {
				t.Errorf("got %+v (%v)\nwant offset %v delay %v time %v dispersion %v", smp, obs.Err, tt.wantOffset, tt.wantDelay, tt.wantTime, tt.wantDisp)
			}
			if smp.Leap != tt.wantLeap {
				t.Errorf("leap %v, want %v", smp.Leap, tt.wantLeap)
			}
			if err := smp.Validate(); err != nil {
				t.Error(err)
			}
		})
	}
}

func TestPtp4lSourceNewGrandmasterResetsSpread(t *testing.T) {
	other := slaveStatus(2, 5000, protocol.TimestampingSoftware)
	other.Grandmaster = 0x1
	s := newTestPtp4lSource([]fakePoll{{status: slaveStatus(1, -5000, protocol.TimestampingSoftware)}, {status: other}}, nil, &logCounter{})
	s.poll()
	obs, _ := s.poll()
	if obs.Sample.RootDispersion != 100 {
		t.Errorf("dispersion %v: offsets measured to the old grandmaster count against the new one", obs.Sample.RootDispersion)
	}
}

func TestPtp4lMetrics(t *testing.T) {
	s := newTestPtp4lSource([]fakePoll{{status: slaveStatus(1, 250, protocol.TimestampingSoftware)}, {err: errors.New("gone")}}, nil, &logCounter{})
	s.poll()
	want := `
# HELP clockwatch_ptp4l_offset_from_master_seconds ptp4l's clock minus its master's, from the last Sync (ptp4l's own sign: positive is ahead).
# TYPE clockwatch_ptp4l_offset_from_master_seconds gauge
clockwatch_ptp4l_offset_from_master_seconds{source="ptp4l:/run/ptp4l-test"} 2.5e-07
# HELP clockwatch_ptp4l_port_info A ptp4l port, its state and timestamping (value 1).
# TYPE clockwatch_ptp4l_port_info gauge
clockwatch_ptp4l_port_info{interface="eth0",port="1",source="ptp4l:/run/ptp4l-test",state="SLAVE",timestamping="kernel"} 1
# HELP clockwatch_ptp4l_up 1 when ptp4l's management socket answered the last poll.
# TYPE clockwatch_ptp4l_up gauge
clockwatch_ptp4l_up{source="ptp4l:/run/ptp4l-test"} 1
`
	names := []string{"clockwatch_ptp4l_offset_from_master_seconds", "clockwatch_ptp4l_port_info", "clockwatch_ptp4l_up"}
	if err := testutil.CollectAndCompare(s, strings.NewReader(want), names...); err != nil {
		t.Error(err)
	}
	if n := testutil.CollectAndCount(s); n != 11 {
		t.Errorf("%d series while up, want 11", n)
	}
	s.poll()
	if n := testutil.CollectAndCount(s); n != 1 {
		t.Errorf("%d series while down, want only clockwatch_ptp4l_up", n)
	}
}
