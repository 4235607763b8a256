package agent

import (
	"errors"
	"log/slog"
	"os"
	"time"

	"github.com/clockwatch/clockwatch/discipline"
	"github.com/clockwatch/clockwatch/estimator"
	"github.com/clockwatch/clockwatch/exporters"
	"github.com/clockwatch/clockwatch/internal/hostid"
)

const (
	// historyInterval is the spacing of points kept for /api/v1/history.
	historyInterval = time.Second
	// historyCapacity keeps 6 hours of history at one point a second.
	historyCapacity = 6 * 60 * 60
	// stateInterval is how often, at most, the state file is written.
	stateInterval = time.Minute
)

// historySink keeps an estimate a second for /api/v1/history.
type historySink struct {
	history *exporters.History
	last    time.Time
}

func newHistorySink() *historySink {
	return &historySink{history: exporters.NewHistory(historyCapacity)}
}

// Publish records e when a second has passed since the last point, or the
// clock went back.
func (h *historySink) Publish(e estimator.Estimate) {
	if e.Time.Sub(h.last) >= historyInterval || e.Time.Before(h.last) {
		h.history.Add(e)
		h.last = e.Time
	}
}

// MaxAge is the spacing of the history's points.
func (h *historySink) MaxAge() time.Duration { return historyInterval }

// Close does nothing: the history lives in memory.
func (h *historySink) Close(estimator.Estimate) {}

// shmWriter publishes estimates to a shared memory file: the clock file's
// (exporters.ShmWriter) or ClockBound's (exporters.ClockBoundWriter).
type shmWriter interface {
	Publish(estimator.Estimate) error
	Close() error
}

// shmSink publishes every estimate to a shared memory file that local
// programs read.
type shmSink struct {
	w       shmWriter
	what    string // names the file in the log
	path    string
	logger  *slog.Logger
	failing bool
}

// openShm opens the shared memory clock file at path, which local services
// read with logicaltime.OpenBounded. A file that cannot be opened is a
// warning, not an error: the agent still measures, and the sink is nil.
func openShm(path string, logger *slog.Logger) *shmSink {
	open := func(path string) (shmWriter, error) { return exporters.NewShmWriter(path) }
	return openShmSink(path, open, "shared memory", "local services cannot read bounded time", logger)
}

// openClockBound opens the segment of AWS ClockBound's shared-memory
// protocol at path, which ClockBound's clients read; nil, with a
// warning, when it cannot be opened.
func openClockBound(path string, logger *slog.Logger) *shmSink {
	open := func(path string) (shmWriter, error) { return exporters.NewClockBoundWriter(path) }
	return openShmSink(path, open, "ClockBound shared memory", "ClockBound clients cannot read the bound", logger)
}

// openShmSink opens the writer open makes for path; what names the file
// and lost says what a failure to open costs.
func openShmSink(path string, open func(string) (shmWriter, error), what, lost string, logger *slog.Logger) *shmSink {
	w, err := open(path)
	if err != nil {
		logger.Warn("not publishing to "+what+"; "+lost, "path", path, "err", err)
		return nil
	}
	logger.Info("publishing the estimate to "+what, "path", path)
	return &shmSink{w: w, what: what, path: path, logger: logger}
}

// Publish writes e, logging the first of a run of failures and the
// recovery.
func (s *shmSink) Publish(e estimator.Estimate) {
	err := s.w.Publish(e)
	switch {
	case err != nil && !s.failing:
		s.logger.Warn("publishing to "+s.what+" failed", "path", s.path, "err", err)
	case err == nil && s.failing:
		s.logger.Info("publishing to "+s.what+" again", "path", s.path)
	}
	s.failing = err != nil
}

// shmRefresh is how often the shared memory gets the estimate: readers
// take a writer silent for a second (logicaltime.DefaultStaleAfter) for
// gone, so ten times a second leaves a wide margin.
const shmRefresh = 100 * time.Millisecond

// MaxAge is shmRefresh.
func (s *shmSink) MaxAge() time.Duration { return shmRefresh }

// Close unmaps the file; readers see the estimate age and go stale.
func (s *shmSink) Close(estimator.Estimate) {
	if err := s.w.Close(); err != nil {
		s.logger.Warn("closing "+s.what, "path", s.path, "err", err)
	}
}

// stateSink keeps the state file: at most once a stateInterval, and on
// stop.
type stateSink struct {
	saver  *exporters.StateSaver
	logger *slog.Logger
}

// Publish saves e when the last save is old enough.
func (s *stateSink) Publish(e estimator.Estimate) {
	if err := s.saver.MaybeSave(e.Time, e); err != nil {
		s.logger.Warn("saving state failed; the state file keeps the last state saved", "err", err)
	}
}

// MaxAge is the state file's spacing.
func (s *stateSink) MaxAge() time.Duration { return stateInterval }

// Close saves the last estimate.
func (s *stateSink) Close(last estimator.Estimate) {
	if err := s.saver.Save(last.Time, last); err != nil {
		s.logger.Warn("saving state on exit failed", "err", err)
	}
}

// keepState opens the state directory dir: with warm set it first seeds
// est's drift from the saved state, then it returns the sink that saves the
// state from now on, marked with this machine's identity and the kernel's
// frequency correction (on every start path: the drift includes the
// correction, and a later start needs both). A missing, damaged or foreign
// state file is logged, never fatal; an unusable directory is a warning and
// gives no sink. The warm start is a hypothesis the bound never relies on
// (estimator.Estimator.WarmStart).
func keepState(dir string, warm bool, est *estimator.Estimator, now time.Time, logger *slog.Logger) *stateSink {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		logger.Warn("state directory unusable; state will not survive a restart", "err", err)
		return nil
	}
	host := hostid.Local("/")
	if warm {
		warmStart(dir, host, est, now, logger)
	}
	return &stateSink{saver: exporters.NewStateSaver(dir, stateInterval, host, kernelFrequency), logger: logger}
}

// warmStart seeds est's drift from the state file in dir.
func warmStart(dir string, host hostid.Identity, est *estimator.Estimator, now time.Time, logger *slog.Logger) {
	s, err := exporters.LoadState(dir)
	switch {
	case errors.Is(err, os.ErrNotExist):
		logger.Info("no saved state; cold start", "dir", dir)
		return
	case err != nil:
		logger.Warn("ignoring saved state; cold start", "err", err)
		return
	}
	kernel, known := kernelFrequency()
	w, err := s.WarmDrift(now, host, kernel, known)
	if err != nil {
		logger.Info("not warm-starting from saved state; cold start", "reason", err)
		return
	}
	est.WarmStart(w.Drift, w.Uncertainty)
	logger.Info("warm start from saved state: drift as a first guess until measured", "drift_ppm", w.Drift*1e6, "uncertainty_ppm", w.Uncertainty*1e6, "saved_at", s.Time)
}

// kernelFrequency reads the kernel's frequency correction (never writes
// it); ok is false where it cannot be read.
func kernelFrequency() (float64, bool) {
	st, err := discipline.SystemClock{}.State()
	return st.Frequency, err == nil
}
