package discipline

import (
	"fmt"
	"time"
)

// Config tunes the discipline. The zero value of a field means its default.
type Config struct {
	// StepThreshold: the clock is stepped only when it is certainly off by
	// more than this (its offset minus its error bound exceeds it);
	// smaller offsets are slewed. Default 128 ms, as ntpd.
	StepThreshold time.Duration
	// StepPeriod is how long after the first synchronized estimate steps
	// are allowed (default 5 minutes); later, offsets above the threshold
	// are slewed too, unless AllowSteps.
	StepPeriod time.Duration
	// AllowSteps allows steps at any time.
	AllowSteps bool
	// SlewTime is how long slewing an offset away takes, or longer when
	// that would need more than MaxSlewRate (default 64 s). Longer
	// smooths the estimate's noise more; shorter corrects faster.
	SlewTime time.Duration
	// MaxSlewRate bounds the extra frequency that slews an offset away,
	// as a ratio (default 250e-6: 250 ppm). The residual drift stays well
	// within the ±500 ppm the estimator allows a clock.
	MaxSlewRate float64
	// MaxFrequencyChange bounds how much one update changes the drift
	// correction, as a ratio (default 20e-6: 20 ppm), so that one bad
	// estimate cannot throw the clock far off.
	MaxFrequencyChange float64
	// MaxFrequency bounds the kernel's frequency correction, drift and
	// slew together (default 500e-6, Linux's limit).
	MaxFrequency float64
	// SyncInterval is how often, at most, the kernel's synchronization
	// status is refreshed between samples (default 1 s).
	SyncInterval time.Duration
}

// Defaults of Config.
const (
	DefaultStepThreshold      = 128 * time.Millisecond
	DefaultStepPeriod         = 5 * time.Minute
	DefaultSlewTime           = 64 * time.Second
	DefaultMaxSlewRate        = 250e-6
	DefaultMaxFrequencyChange = 20e-6
	DefaultMaxFrequency       = 500e-6
	DefaultSyncInterval       = time.Second
)

// withDefaults validates c and fills its zero fields.
func (c Config) withDefaults() (Config, error) {
	if err := c.validate(); err != nil {
		return c, err
	}
	setDuration(&c.StepThreshold, DefaultStepThreshold)
	setDuration(&c.StepPeriod, DefaultStepPeriod)
	setDuration(&c.SlewTime, DefaultSlewTime)
	setDuration(&c.SyncInterval, DefaultSyncInterval)
	setRatio(&c.MaxSlewRate, DefaultMaxSlewRate)
	setRatio(&c.MaxFrequencyChange, DefaultMaxFrequencyChange)
	setRatio(&c.MaxFrequency, DefaultMaxFrequency)
	return c, nil
}

// validate names a setting out of range.
func (c Config) validate() error {
	for name, d := range map[string]time.Duration{"step threshold": c.StepThreshold, "step period": c.StepPeriod, "slew time": c.SlewTime, "sync interval": c.SyncInterval} {
		if d < 0 {
			return fmt.Errorf("discipline: %s %v is negative", name, d)
		}
	}
	for name, r := range map[string]float64{"maximum slew rate": c.MaxSlewRate, "maximum frequency change": c.MaxFrequencyChange, "maximum frequency": c.MaxFrequency} {
		if !(r >= 0 && r <= DefaultMaxFrequency) {
			return fmt.Errorf("discipline: %s %g is outside [0, %g] (the kernel's limit)", name, r, DefaultMaxFrequency)
		}
	}
	return nil
}

func setDuration(v *time.Duration, def time.Duration) {
	if *v == 0 {
		*v = def
	}
}

func setRatio(v *float64, def float64) {
	if *v == 0 {
		*v = def
	}
}
