package ntp

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"sync"
	"time"

	"github.com/clockwatch/clockwatch/estimator"
	"github.com/clockwatch/clockwatch/internal/localclock"
	"github.com/clockwatch/clockwatch/internal/sourcestate"
	"github.com/facebook/time/ntp/chrony"
)

// ResultDown is the result of a poll of a local daemon that did not
// answer: not running, restarting, or listening elsewhere.
const ResultDown estimator.Result = "down"

// chronyLeapUnsynchronised is chronyd's leap status while it has no
// estimate of true time.
const chronyLeapUnsynchronised = 3

// ChronySource reports the local chronyd's own estimate of this host's
// offset, read over its command protocol, with chronyd's bound (root
// delay/2 + root dispersion). chronyd going away is a state of the source,
// logged once. It is a prometheus.Collector of chronyd's tracking and
// per-source view.
type ChronySource struct {
	info     estimator.SourceInfo
	address  string
	interval time.Duration
	logger   *slog.Logger

	poller chronyPoller
	clock  func() time.Time
	sleep  func(ctx context.Context, d time.Duration) error

	state  *sourcestate.Tracker
	mu     sync.Mutex
	latest ChronyReport
	// toldNoServerStats is set once the log said why chronyd's server
	// statistics are not exported.
	toldNoServerStats bool
}

// chronyPoller reads chronyd; tests use a fake.
type chronyPoller interface {
	report() (ChronyReport, error)
	close()
}

// NewChronySource returns a source for the chronyd at address
// (udp://HOST:PORT or unix:///PATH), polled every interval (default
// DefaultPollInterval). chronyd's estimate is of the system clock; it is
// placed on clock, the local clock (nil: the system clock). A nil logger
// discards.
func NewChronySource(address string, interval time.Duration, clock func() time.Time, logger *slog.Logger) (*ChronySource, error) {
	if _, _, err := ParseChronyAddress(address); err != nil {
		return nil, err
	}
	if interval <= 0 {
		interval = DefaultPollInterval
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	name := "chrony:" + address
	return &ChronySource{
		info:     estimator.SourceInfo{Name: name, Kind: estimator.KindChrony, Address: address},
		address:  address,
		interval: interval,
		logger:   logger.With("source", name),
		state:    sourcestate.New(logger.With("source", name), "chronyd source"),
		poller:   &chronyClient{address: address},
		clock:    clock,
		sleep:    localclock.Sleep,
	}, nil
}

// Info names the source for the estimator.
func (s *ChronySource) Info() estimator.SourceInfo { return s.info }

// Run polls chronyd until ctx ends, reporting every poll.
func (s *ChronySource) Run(ctx context.Context, report func(estimator.Observation)) {
	defer s.poller.close()
	for ctx.Err() == nil {
		obs := s.poll()
		obs.Poll = s.interval
		report(obs)
		if s.sleep(ctx, s.interval) != nil {
			return
		}
	}
}

// poll reads chronyd once.
func (s *ChronySource) poll() estimator.Observation {
	r, err := s.poller.report()
	if err != nil {
		return s.state.Fail(s.info.Name, ResultDown, err)
	}
	s.mu.Lock()
	s.latest = r
	s.mu.Unlock()
	if r.ServerStatsErr != nil && !s.toldNoServerStats {
		s.logger.Info("chronyd's server statistics are not exported (chrony_serverstats_*)", "err", r.ServerStatsErr)
		s.toldNoServerStats = true
	}
	t := r.Tracking
	if t.LeapStatus == chronyLeapUnsynchronised || t.Stratum == 0 || t.Stratum >= 16 {
		return s.state.Fail(s.info.Name, ResultUnsynchronized, fmt.Errorf("chronyd at %s is not synchronised (stratum %d, leap status %d)", s.address, t.Stratum, t.LeapStatus))
	}
	s.state.Set(estimator.ResultOK, nil)
	return estimator.Observation{Source: s.info.Name, Result: estimator.ResultOK, Sample: s.sample(t)}
}

// sample is chronyd's estimate now. chronyd reports the correction it
// still has to apply, positive when the clock is slow, so the offset
// (local − true) is its negative; chronyd bounds its own error by root
// delay/2 + root dispersion, the dispersion grown since its last update.
func (s *ChronySource) sample(t chrony.Tracking) estimator.Sample {
	return localclock.OnClock(s.clock, estimator.Sample{
		Source:         s.info.Name,
		Time:           localclock.System(),
		Offset:         -chronySeconds(t.CurrentCorrection),
		RootDelay:      chronySeconds(math.Abs(t.RootDelay)),
		RootDispersion: chronySeconds(math.Abs(t.RootDispersion)),
		Precision:      time.Nanosecond,
		Stratum:        uint8(t.Stratum),
		Leap:           estimator.Leap(t.LeapStatus),
		ReferenceID:    t.RefID,
	})
}

// chronySeconds converts chronyd's float seconds.
func chronySeconds(f float64) time.Duration { return time.Duration(math.Round(f * 1e9)) }

// chronyClient keeps a session open between polls and opens a new one
// after any failure, so a restarted chronyd is found and no late answer is
// taken for the next one.
type chronyClient struct {
	address string
	conn    *chronyConn
}

// report polls chronyd once.
func (c *chronyClient) report() (ChronyReport, error) {
	if c.conn == nil {
		conn, err := dialChrony(c.address)
		if err != nil {
			return ChronyReport{}, err
		}
		c.conn = conn
	}
	r, err := c.conn.report()
	if err != nil {
		c.close()
	}
	return r, err
}

// close ends the session, if open.
func (c *chronyClient) close() {
	if c.conn != nil {
		_ = c.conn.Close()
		c.conn = nil
	}
}
