package ptp

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/clockwatch/clockwatch/estimator"
	"github.com/clockwatch/clockwatch/internal/localclock"
	"github.com/clockwatch/clockwatch/internal/sourcestate"
)

// PHCSource reports the system clock's offset to a PTP hardware clock on
// this host. The PHC is taken as the reference as it stands: how far it is
// from its grandmaster is ptp4l's business (see Ptp4lSource). The bound
// covers the read: the PHC was read somewhere between two system clock
// readings.
type PHCSource struct {
	info     estimator.SourceInfo
	name     string
	interval time.Duration
	logger   *slog.Logger

	clock     func() time.Time
	open      func(name string) (PHC, error)
	taiOffset func() time.Duration
	sleep     func(ctx context.Context, d time.Duration) error

	phc   PHC
	state *sourcestate.Tracker
}

// NewPHCSource returns a source for the PHC name, a device path
// ("/dev/ptp0") or a network interface ("eth0"), read every interval
// (default 1s). The PHC is compared with the system clock, and the offset
// placed on clock, the local clock (nil: the system clock). A nil logger
// discards.
func NewPHCSource(name string, interval time.Duration, clock func() time.Time, logger *slog.Logger) *PHCSource {
	if interval <= 0 {
		interval = time.Second
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	src := "phc:" + name
	return &PHCSource{
		info:      estimator.SourceInfo{Name: src, Kind: estimator.KindPHC, Address: name},
		name:      name,
		interval:  interval,
		logger:    logger.With("source", src),
		state:     sourcestate.New(logger.With("source", src), "PHC"),
		clock:     clock,
		open:      OpenPHC,
		taiOffset: kernelTAIOffset,
		sleep:     localclock.Sleep,
	}
}

// Info names the source for the estimator.
func (s *PHCSource) Info() estimator.SourceInfo { return s.info }

// Run reads the PHC every interval until ctx ends.
func (s *PHCSource) Run(ctx context.Context, report func(estimator.Observation)) {
	defer s.close()
	for ctx.Err() == nil {
		obs := s.poll()
		obs.Poll = s.interval
		report(obs)
		if s.sleep(ctx, s.interval) != nil {
			return
		}
	}
}

// poll reads the PHC once, opening it first if needed.
func (s *PHCSource) poll() estimator.Observation {
	if s.phc == nil {
		phc, err := s.open(s.name)
		if err != nil {
			return s.fail(err)
		}
		s.phc = phc
	}
	r, err := s.phc.Read()
	if err != nil {
		s.close()
		return s.fail(err)
	}
	s.state.Set(estimator.ResultOK, nil)
	return estimator.Observation{Source: s.info.Name, Result: estimator.ResultOK, Sample: s.sample(r)}
}

// sample is the offset of one reading, the PHC's time taken as UTC.
func (s *PHCSource) sample(r PHCReading) estimator.Sample {
	return localclock.OnClock(s.clock, estimator.Sample{
		Source:       s.info.Name,
		Time:         r.SysTime,
		Offset:       r.Offset + phcTimescaleOffset(r.Offset, s.taiOffset()),
		Delay:        r.Delay,
		Precision:    time.Nanosecond,
		Stratum:      1,
		Timestamping: "hardware",
	})
}

// fail reports a read that gave no sample.
func (s *PHCSource) fail(err error) estimator.Observation {
	return s.state.Fail(s.info.Name, ResultNoPHC, fmt.Errorf("phc %s: %w", s.name, err))
}

// close closes the PHC, if open.
func (s *PHCSource) close() {
	if s.phc != nil {
		_ = s.phc.Close()
		s.phc = nil
	}
}
