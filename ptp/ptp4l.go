package ptp

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/clockwatch/clockwatch/estimator"
	"github.com/clockwatch/clockwatch/internal/localclock"
	"github.com/clockwatch/clockwatch/internal/sourcestate"
	"github.com/facebook/time/ptp/protocol"
)

// DefaultPtp4lSocket is where ptp4l listens for management by default.
const DefaultPtp4lSocket = protocol.PTP4lSock

// Results of a ptp4l poll that gave no sample, as metric labels.
const (
	ResultDown     estimator.Result = "down"      // ptp4l's socket does not answer: not running or restarting
	ResultNoMaster estimator.Result = "no_master" // ptp4l runs but follows no grandmaster
	ResultStale    estimator.Result = "stale"     // ptp4l has had no Sync for a while
	ResultNoPHC    estimator.Result = "no_phc"    // hardware timestamps, but the PHC cannot be read
)

// Ptp4lConfig configures a Ptp4lSource. Zero fields take the defaults.
type Ptp4lConfig struct {
	// Socket is ptp4l's uds_address (default /var/run/ptp4l).
	Socket string
	// Interval between polls (default 1s).
	Interval time.Duration
	// Timeout for each management request (default 500ms).
	Timeout time.Duration
	// PHC names the PTP hardware clock ptp4l disciplines, used to carry
	// its offset over to the system clock when ptp4l timestamps in
	// hardware (default: the PHC of ptp4l's slave interface).
	PHC string
	// Clock is the local clock (default the system clock): ptp4l's
	// offsets, of the system clock, are placed on it.
	Clock func() time.Time
}

func (c Ptp4lConfig) withDefaults() Ptp4lConfig {
	if c.Socket == "" {
		c.Socket = DefaultPtp4lSocket
	}
	if c.Interval <= 0 {
		c.Interval = time.Second
	}
	if c.Timeout <= 0 {
		c.Timeout = 500 * time.Millisecond
	}
	return c
}

// staleAfter is how many poll intervals may pass without a new Sync
// before the source counts as stale.
const staleAfter = 8

// Ptp4lSource reports the local ptp4l's offset from its grandmaster, read
// from ptp4l's management socket. ptp4l going away or restarting is a
// state of the source (logged once when it changes), not an error per
// poll. It is a prometheus.Collector of ptp4l's port and grandmaster data.
type Ptp4lSource struct {
	info   estimator.SourceInfo
	cfg    Ptp4lConfig
	logger *slog.Logger

	client  ptp4lReader
	openPHC func(name string) (PHC, error)
	now     func() time.Time
	sleep   func(ctx context.Context, d time.Duration) error

	window      offsetWindow
	grandmaster protocol.ClockIdentity
	lastIngress time.Time
	lastFresh   time.Time
	phc         PHC
	phcName     string

	// state is the last poll's result, "" before the first.
	state   *sourcestate.Tracker
	mu      sync.Mutex
	current Ptp4lStatus
}

// NewPtp4lSource returns a source for the ptp4l of cfg.Socket. A nil
// logger discards.
func NewPtp4lSource(cfg Ptp4lConfig, logger *slog.Logger) *Ptp4lSource {
	cfg = cfg.withDefaults()
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	name := "ptp4l:" + cfg.Socket
	client := &ptp4lClient{socket: cfg.Socket, timeout: cfg.Timeout}
	return &Ptp4lSource{
		info:    estimator.SourceInfo{Name: name, Kind: estimator.KindPTP4L, Address: cfg.Socket},
		cfg:     cfg,
		logger:  logger.With("source", name),
		state:   sourcestate.New(logger.With("source", name), "ptp4l source"),
		client:  client,
		openPHC: OpenPHC,
		now:     localclock.System,
		sleep:   localclock.Sleep,
	}
}

// Info names the source for the estimator.
func (s *Ptp4lSource) Info() estimator.SourceInfo { return s.info }

// Run polls ptp4l until ctx ends, reporting every poll that has news: a
// new offset or a failure.
func (s *Ptp4lSource) Run(ctx context.Context, report func(estimator.Observation)) {
	defer s.closePHC()
	defer s.client.close()
	for ctx.Err() == nil {
		if obs, ok := s.poll(); ok {
			obs.Poll = s.cfg.Interval
			report(obs)
		}
		if s.sleep(ctx, s.cfg.Interval) != nil {
			return
		}
	}
}

// poll reads ptp4l once. ok is false when ptp4l has no new measurement
// since the last poll (and it is not yet stale).
func (s *Ptp4lSource) poll() (estimator.Observation, bool) {
	status, err := s.client.status()
	if err != nil {
		return s.state.Fail(s.info.Name, ResultDown, err), true
	}
	s.mu.Lock()
	s.current = status
	s.mu.Unlock()
	port, ok := status.Slave()
	if !ok || !status.GrandmasterPresent {
		return s.state.Fail(s.info.Name, ResultNoMaster, fmt.Errorf("ptp4l at %s follows no grandmaster (ports: %s)", s.cfg.Socket, portStates(status.Ports))), true
	}
	now := s.now()
	if !status.IngressTime.After(s.lastIngress) {
		if now.Sub(s.lastFresh) > staleAfter*s.cfg.Interval {
			return s.state.Fail(s.info.Name, ResultStale, fmt.Errorf("ptp4l at %s has had no Sync from its master since %v", s.cfg.Socket, s.lastFresh)), true
		}
		return estimator.Observation{}, false
	}
	s.lastIngress, s.lastFresh = status.IngressTime, now
	if status.Grandmaster != s.grandmaster {
		s.window.reset()
		s.grandmaster = status.Grandmaster
	}
	sample, err := s.sample(status, port)
	if err != nil {
		return s.state.Fail(s.info.Name, ResultNoPHC, err), true
	}
	s.state.Set(estimator.ResultOK, nil)
	return estimator.Observation{Source: s.info.Name, Result: estimator.ResultOK, Sample: sample}, true
}

// sample turns ptp4l's offset into one of the local clock. With software
// timestamps ptp4l's clock is the system clock; with hardware timestamps
// it is the PHC, whose offset to the system clock is read and added; the
// system clock's offset is then placed on the local clock.
func (s *Ptp4lSource) sample(st Ptp4lStatus, port PortStatus) (estimator.Sample, error) {
	s.window.add(st.OffsetFromMaster)
	smp := estimator.Sample{
		Source:         s.info.Name,
		Time:           st.IngressTime,
		Offset:         st.OffsetFromMaster,
		Delay:          2 * st.MeanPathDelay,
		RootDispersion: s.window.uncertainty(st.GrandmasterQuality.ClockAccuracy),
		Precision:      time.Nanosecond,
		Stratum:        uint8(min(st.StepsRemoved, 15)),
		Timestamping:   timestampingName(port.Timestamping),
		Leap:           leapOfFlags(uint16(st.Time.Flags)),
	}
	if port.Timestamping == protocol.TimestampingSoftware {
		return localclock.OnClock(s.cfg.Clock, smp), nil
	}
	r, err := s.readPHC(port.Interface)
	if err != nil {
		return estimator.Sample{}, err
	}
	utc := time.Duration(0)
	if off, valid := st.Time.UTCOffset(); valid && st.Time.PTPTimescale() {
		utc = off
	}
	sysMinusPHC := r.Offset + utc
	smp.Offset += sysMinusPHC
	smp.Time = st.IngressTime.Add(r.Offset)
	smp.Delay += r.Delay
	return localclock.OnClock(s.cfg.Clock, smp), nil
}

// readPHC reads the PHC ptp4l disciplines: the configured one, or that of
// the slave port's interface. It stays open between polls.
func (s *Ptp4lSource) readPHC(iface string) (PHCReading, error) {
	name := s.cfg.PHC
	if name == "" {
		name = iface
	}
	if s.phc != nil && s.phcName != name {
		s.closePHC()
	}
	if s.phc == nil {
		phc, err := s.openPHC(name)
		if err != nil {
			return PHCReading{}, fmt.Errorf("ptp4l timestamps in hardware on %s, but its PHC cannot be read: %w", iface, err)
		}
		s.phc, s.phcName = phc, name
	}
	r, err := s.phc.Read()
	if err != nil {
		s.closePHC()
		return PHCReading{}, fmt.Errorf("reading the PHC of %s: %w", name, err)
	}
	return r, nil
}

// closePHC closes the PHC, if open.
func (s *Ptp4lSource) closePHC() {
	if s.phc != nil {
		_ = s.phc.Close()
		s.phc = nil
	}
}

// portStates lists the ports' states for a message.
func portStates(ports []PortStatus) string {
	if len(ports) == 0 {
		return "none"
	}
	out := ""
	for i, p := range ports {
		if i > 0 {
			out += ", "
		}
		out += fmt.Sprintf("%d %s", p.Number, p.State)
	}
	return out
}

// ptp4lReader polls ptp4l; tests use a fake.
type ptp4lReader interface {
	status() (Ptp4lStatus, error)
	close()
}

// ptp4lClient keeps a management session open between polls and opens a
// new one after any failure, so a restarted ptp4l is picked up.
type ptp4lClient struct {
	socket  string
	timeout time.Duration
	conn    *mgmtConn
}

// status polls ptp4l once.
func (c *ptp4lClient) status() (Ptp4lStatus, error) {
	if c.conn == nil {
		conn, err := dialMgmt(c.socket, c.timeout)
		if err != nil {
			return Ptp4lStatus{}, err
		}
		c.conn = conn
	}
	st, err := queryPtp4l(c.conn)
	if err != nil {
		c.close()
	}
	return st, err
}

// close ends the session, if one is open.
func (c *ptp4lClient) close() {
	if c.conn != nil {
		_ = c.conn.Close()
		c.conn = nil
	}
}
