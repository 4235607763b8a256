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
	"github.com/clockwatch/clockwatch/internal/filelimit"
	"github.com/clockwatch/clockwatch/internal/hostid"
)

// StateFileName is the file the agent keeps in its state directory.
const StateFileName = "state.json"

// stateVersion is bumped when State changes incompatibly.
const stateVersion = 1

// State is what the agent keeps across restarts: the drift, to warm-start
// the estimator, and the last estimate, for the record. The drift is the
// estimate's: the envelope drift and its uncertainty when DriftModel is
// "envelope". A warm start only steers the drift estimate with it; the
// bound never relies on it.
type State struct {
	Version       int       `json:"version"`
	Time          time.Time `json:"time"`
	DriftPPM      float64   `json:"drift_ppm"`
	DriftBoundPPM float64   `json:"drift_bound_ppm"`
	// DriftModel is what the saved drift relied on.
	DriftModel        estimator.DriftModel `json:"drift_model,omitempty"`
	OffsetSeconds     float64              `json:"offset_seconds"`
	ErrorBoundSeconds float64              `json:"error_bound_seconds"`
	Synchronized      bool                 `json:"synchronized"`
	// KernelFrequencyPPM is the kernel's frequency correction (adjtimex)
	// when the drift was measured, if it could be read. The drift includes
	// it, so a change of the correction since (chronyd, a reboot) changes
	// the drift by as much.
	KernelFrequencyPPM *float64 `json:"kernel_frequency_ppm,omitempty"`
	// Host identifies the machine that measured the drift: on another
	// machine (a cloned disk, a restored backup, other hardware) the drift
	// says nothing.
	Host hostid.Identity `json:"host"`
}

// NewState takes the parts of an estimate worth keeping.
func NewState(e estimator.Estimate) State {
	return State{
		Version:           stateVersion,
		Time:              e.Time,
		DriftPPM:          e.Drift * 1e6,
		DriftBoundPPM:     e.DriftBound * 1e6,
		DriftModel:        e.DriftModel,
		OffsetSeconds:     e.Offset.Seconds(),
		ErrorBoundSeconds: boundSeconds(e.ErrorBound),
		Synchronized:      e.Synchronized,
	}
}

// warmStartDriftBound is the widest drift uncertainty worth warm-starting
// from: a drift known that well is a better start than none.
const warmStartDriftBound = 5e-6

// agingPerDay is how much a saved drift's uncertainty grows per day of the
// state's age: crystal ageing and a change of temperature, generously.
const agingPerDay = 1e-6

// maxKernelFrequency is the largest frequency correction Linux accepts
// (adjtimex, 500 ppm); a saved one beyond it is damage.
const maxKernelFrequency = 500e-6

// WarmDrift is a drift to warm-start the estimator from: a hypothesis that
// the true drift lies within Uncertainty of Drift (ratios).
type WarmDrift struct {
	Drift, Uncertainty float64
}

// WarmDrift returns the saved drift as it applies now on the machine here,
// whose kernel frequency correction is kernelNow (a ratio, if
// kernelKnown): moved by the change of the correction since it was saved,
// and less certain the older the state and the less is known of that
// change. The error says why there is nothing to warm-start from: the state
// was saved on another machine, or its drift was not measured well enough.
func (s State) WarmDrift(now time.Time, here hostid.Identity, kernelNow float64, kernelKnown bool) (WarmDrift, error) {
	if part := s.Host.Mismatch(here); part != "" {
		return WarmDrift{}, fmt.Errorf("state: saved on another %s (a cloned disk, a restored backup or a moved virtual machine); its drift does not apply here", part)
	}
	bound := s.DriftBoundPPM / 1e6
	if !(bound > 0 && bound <= warmStartDriftBound) {
		return WarmDrift{}, fmt.Errorf("state: the saved drift was known to ±%g ppm only, too little to start from", s.DriftBoundPPM)
	}
	w := WarmDrift{Drift: s.DriftPPM / 1e6, Uncertainty: bound}
	w.Uncertainty += agingPerDay * math.Abs(now.Sub(s.Time).Hours()) / 24
	saved := s.KernelFrequencyPPM
	switch {
	case saved != nil && kernelKnown:
		w.Drift += kernelNow - *saved/1e6
	case saved != nil:
		w.Uncertainty += math.Abs(*saved / 1e6)
	case kernelKnown:
		w.Uncertainty += math.Abs(kernelNow)
	}
	return w, nil
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

// MaxStateFileSize is the largest state file LoadState reads; a real one is
// well under a kilobyte.
const MaxStateFileSize = 64 << 10

// LoadState reads the state in dir. A missing file gives an error that
// wraps os.ErrNotExist; a truncated, corrupt or oversized one, an error
// saying so.
func LoadState(dir string) (State, error) {
	path := filepath.Join(dir, StateFileName)
	data, err := readCapped(path, MaxStateFileSize)
	if err != nil {
		return State{}, err
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
	if k := s.KernelFrequencyPPM; k != nil && !(math.Abs(*k) <= maxKernelFrequency*1e6) {
		return State{}, fmt.Errorf("state: %s holds an impossible kernel frequency of %g ppm (Linux allows ±500); it will be rewritten", path, *k)
	}
	return s, nil
}

// readCapped reads a whole state file of at most limit bytes; a larger
// one is an error that says so, read no further.
func readCapped(path string, limit int64) ([]byte, error) {
	data, err := filelimit.Read(path, limit)
	if errors.Is(err, filelimit.ErrTooLarge) {
		return nil, fmt.Errorf("state: %w, more than a state file can be; it will be rewritten", err)
	}
	if err != nil {
		return nil, fmt.Errorf("state: %w", err)
	}
	return data, nil
}

// StateSaver saves the state at most once per interval, and on demand.
type StateSaver struct {
	dir      string
	interval time.Duration
	last     time.Time
	host     hostid.Identity
	kernel   func() (float64, bool)
}

// NewStateSaver saves into dir at most once per interval, marking the state
// as host's. kernel reads the kernel's frequency correction (a ratio; ok
// false where it cannot be read), saved with the drift because the drift
// includes it.
func NewStateSaver(dir string, interval time.Duration, host hostid.Identity, kernel func() (float64, bool)) *StateSaver {
	return &StateSaver{dir: dir, interval: interval, host: host, kernel: kernel}
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
	st.Host = s.host
	if f, ok := s.kernel(); ok {
		ppm := f * 1e6
		st.KernelFrequencyPPM = &ppm
	}
	return SaveState(s.dir, st)
}
