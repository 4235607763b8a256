package clockwatchprocessor

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/processor"
	"go.uber.org/zap"

	"github.com/clockwatch/clockwatch/tracecorrect"
)

// clockwatchProcessor corrects every batch with the offsets its sources
// last gave, which a background loop reads again every refresh interval.
type clockwatchProcessor struct {
	cfg        *Config
	opts       tracecorrect.Options
	logger     *zap.Logger
	sources    []*offsetsSource
	corrector  atomic.Pointer[tracecorrect.Corrector]
	telemetry  *telemetry
	unmeasured *recentHosts
	now        func() time.Time
	stop       context.CancelFunc
	done       sync.WaitGroup
}

// newClockwatchProcessor prepares the processor; it reads no offsets
// before start.
func newClockwatchProcessor(set processor.Settings, cfg *Config) (*clockwatchProcessor, error) {
	sources, err := newOffsetsSources(cfg)
	if err != nil {
		return nil, err
	}
	p := &clockwatchProcessor{
		cfg: cfg,
		opts: tracecorrect.Options{
			HostAttributes: cfg.HostAttributes,
			MaxAge:         cfg.MaxAge,
			MinimalShifts:  cfg.MinimalShifts,
		},
		logger:     set.Logger,
		sources:    sources,
		unmeasured: &recentHosts{},
		now:        time.Now,
	}
	empty, err := tracecorrect.NewCorrector(tracecorrect.Offsets{}, p.opts)
	if err != nil {
		return nil, err
	}
	p.corrector.Store(empty)
	if p.telemetry, err = newTelemetry(set.MeterProvider.Meter(scopeName), p.unmeasured); err != nil {
		return nil, fmt.Errorf("clockwatch processor telemetry: %w", err)
	}
	return p, nil
}

// start reads every source once, failing on an offsets file that cannot
// be read (a configuration mistake), then keeps the offsets current in the
// background. Network sources that fail are retried at each refresh.
func (p *clockwatchProcessor) start(_ context.Context, _ component.Host) error {
	ctx, stop := context.WithCancel(context.Background())
	if err := p.refresh(ctx); err != nil {
		stop()
		return err
	}
	p.stop = stop
	p.done.Add(1)
	go p.refreshLoop(ctx)
	return nil
}

// refreshLoop reads the sources every refresh interval until ctx ends.
func (p *clockwatchProcessor) refreshLoop(ctx context.Context) {
	defer p.done.Done()
	ticker := time.NewTicker(p.cfg.RefreshInterval)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
			p.refresh(ctx)
			p.reportUnmeasured()
		}
	}
}

// refresh reads every source, keeps the last good offsets of those that
// fail, and swaps in a corrector with the merged offsets. It returns the
// error of an offsets file that fails.
func (p *clockwatchProcessor) refresh(ctx context.Context) error {
	merged := tracecorrect.Offsets{}
	var fileErr error
	for _, s := range p.sources {
		o, err := p.fetch(ctx, s)
		switch {
		case err != nil && s.kind == "offsets_file":
			fileErr = errors.Join(fileErr, fmt.Errorf("clockwatch processor: offsets_file %s: %w", s.where, err))
			fallthrough
		case err != nil:
			p.telemetry.refreshFailed(ctx, s.kind)
			p.logger.Warn("reading offsets failed; keeping the previous ones", zap.String("source", s.kind), zap.String("from", s.where), zap.Error(err))
		default:
			s.last = o
		}
		merged.Merge(s.last)
	}
	c, err := tracecorrect.NewCorrector(merged, p.opts)
	if err != nil {
		return errors.Join(fileErr, fmt.Errorf("clockwatch processor: offsets: %w", err))
	}
	p.corrector.Store(c)
	p.logger.Debug("offsets refreshed", zap.Int("hosts", len(merged)))
	return fileErr
}

// fetch reads one source within the configured timeout.
func (p *clockwatchProcessor) fetch(ctx context.Context, s *offsetsSource) (tracecorrect.Offsets, error) {
	ctx, cancel := context.WithTimeout(ctx, p.cfg.Timeout)
	defer cancel()
	o, err := s.fetch(ctx, p.now())
	if err == nil {
		err = o.Validate()
	}
	return o, err
}

// reportUnmeasured logs the hosts seen without offsets lately.
func (p *clockwatchProcessor) reportUnmeasured() {
	hosts := p.unmeasured.prune(p.now().Add(-2 * p.cfg.RefreshInterval))
	if len(hosts) > 0 {
		p.logger.Warn("spans of hosts without offsets were corrected by causality alone; check host_attributes and the offsets sources",
			zap.Strings("hosts", hosts))
	}
}

// processTraces corrects one batch in place.
func (p *clockwatchProcessor) processTraces(ctx context.Context, td ptrace.Traces) (ptrace.Traces, error) {
	sum := p.corrector.Load().Correct(td)
	p.telemetry.record(ctx, sum, p.now())
	return td, nil
}

// shutdown stops the refresh loop.
func (p *clockwatchProcessor) shutdown(context.Context) error {
	if p.stop != nil {
		p.stop()
		p.done.Wait()
	}
	return p.telemetry.shutdown()
}
