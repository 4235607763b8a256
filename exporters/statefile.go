package exporters

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"time"

	"github.com/clockwatch/clockwatch/estimator"
)

// StateFileName is the file the agent keeps in its state directory.
const StateFileName = "state.json"

// stateVersion is bumped when State changes incompatibly.
const stateVersion = 1

// State is what the agent keeps across restarts: the drift, to warm-start
// the estimator, and the last estimate, for the record.
type State struct {
	Version           int       `json:"version"`
	Time              time.Time `json:"time"`
	DriftPPM          float64   `json:"drift_ppm"`
	DriftBoundPPM     float64   `json:"drift_bound_ppm"`
	OffsetSeconds     float64   `json:"offset_seconds"`
	ErrorBoundSeconds float64   `json:"error_bound_seconds"`
	Synchronized      bool      `json:"synchronized"`
	// KernelFrequencyPPM is the kernel's frequency correction (adjtimex)
	// when the drift was measured, if it could be read. The drift includes
	// it, so a change of the correction since (chronyd, a reboot) changes
	// the drift by as much.
	KernelFrequencyPPM *float64 `json:"kernel_frequency_ppm,omitempty"`
}

// NewState takes the parts of an estimate worth keeping.
func NewState(e estimator.Estimate) State {
	return State{
		Version:           stateVersion,
		Time:              e.Time,
		DriftPPM:          e.Drift * 1e6,
		DriftBoundPPM:     e.DriftBound * 1e6,
		OffsetSeconds:     e.Offset.Seconds(),
		ErrorBoundSeconds: boundSeconds(e.ErrorBound),
		Synchronized:      e.Synchronized,
	}
}

// warmStartDriftBound is the widest drift uncertainty worth warm-starting
// from: a drift known that well is a better start than none.
const warmStartDriftBound = 5e-6

// WarmDrift returns the saved drift as a ratio, moved by the change of the
// kernel's frequency correction since it was saved (kernelNow, a ratio, when
// kernelKnown); ok is false when the drift was not measured well enough to
// start from.
func (s State) WarmDrift(kernelNow float64, kernelKnown bool) (drift float64, ok bool) {
	drift = s.DriftPPM / 1e6
	if kernelKnown && s.KernelFrequencyPPM != nil {
		drift += kernelNow - *s.KernelFrequencyPPM/1e6
	}
	return drift, s.DriftBoundPPM > 0 && s.DriftBoundPPM/1e6 <= warmStartDriftBound
}

// SaveState writes s to dir atomically: a temporary file is written,
// synced and renamed over the old one, so a crash leaves either the old
// state or the new, never a torn file.
func SaveState(dir string, s State) error {
	data, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return fmt.Errorf("state: encode: %w", err)
	}
	tmp, err := os.CreateTemp(dir, StateFileName+".tmp*")
	if err != nil {
		return fmt.Errorf("state: %w (check that --state.dir exists and is writable)", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(append(data, '\n')); err != nil {
		tmp.Close()
		return fmt.Errorf("state: write %s: %w", tmp.Name(), err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("state: sync %s: %w", tmp.Name(), err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("state: close %s: %w", tmp.Name(), err)
	}
	path := filepath.Join(dir, StateFileName)
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("state: replace %s: %w", path, err)
	}
	return syncDir(dir)
}

// syncDir makes a rename in dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("state: open %s: %w", dir, err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, os.ErrInvalid) {
		return fmt.Errorf("state: sync %s: %w", dir, err)
	}
	return nil
}

// LoadState reads the state in dir. A missing file gives an error that
// wraps os.ErrNotExist; a truncated or corrupt one, an error saying so.
func LoadState(dir string) (State, error) {
	path := filepath.Join(dir, StateFileName)
	data, err := os.ReadFile(path)
	if err != nil {
		return State{}, fmt.Errorf("state: %w", err)
	}
	var s State
	if err := json.Unmarshal(data, &s); err != nil {
		return State{}, fmt.Errorf("state: %s is corrupt or truncated (%v); it will be rewritten", path, err)
	}
	if s.Version != stateVersion {
		return State{}, fmt.Errorf("state: %s has version %d, want %d; it will be rewritten", path, s.Version, stateVersion)
	}
	if math.IsNaN(s.DriftPPM) || math.Abs(s.DriftPPM) > estimator.MaxFrequencyTolerance*1e6 {
		return State{}, fmt.Errorf("state: %s holds an impossible drift of %g ppm; it will be rewritten", path, s.DriftPPM)
	}
	return s, nil
}

// StateSaver saves the state at most once per interval, and on demand.
type StateSaver struct {
	dir      string
	interval time.Duration
	last     time.Time
	// KernelFrequency, when set, reads the kernel's frequency correction
	// (a ratio) to save with the drift.
	KernelFrequency func() (float64, bool)
}

// NewStateSaver saves into dir at most once per interval.
func NewStateSaver(dir string, interval time.Duration) *StateSaver {
	return &StateSaver{dir: dir, interval: interval}
}

// MaybeSave saves e if the last save is older than the interval, measured
// with now, the agent's clock.
func (s *StateSaver) MaybeSave(now time.Time, e estimator.Estimate) error {
	if !s.last.IsZero() && now.Sub(s.last) < s.interval {
		return nil
	}
	return s.Save(now, e)
}

// Save saves e now, unless it knows nothing worth keeping.
func (s *StateSaver) Save(now time.Time, e estimator.Estimate) error {
	if !e.HasOffset() {
		return nil
	}
	s.last = now
	st := NewState(e)
	if s.KernelFrequency != nil {
		if f, ok := s.KernelFrequency(); ok {
			ppm := f * 1e6
			st.KernelFrequencyPPM = &ppm
		}
	}
	return SaveState(s.dir, st)
}
