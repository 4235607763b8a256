package estimator

import (
	"fmt"
	"math"
	"time"
)

// MaxFrequencyTolerance is the largest frequency error any clock taking part
// in a measurement is assumed to have (the Linux kernel refuses to run a clock
// further off than ±500 ppm). It bounds how much the clocks can disagree about
// the length of one exchange, and how fast an offset can move while the drift
// is still unknown.
const MaxFrequencyTolerance = 500e-6

// Sample is one measurement of the local clock against a reference. Every
// source (NTP server, peer, chronyd, ptp4l, PHC) produces the same type.
type Sample struct {
	// Source is the name of the source that measured it.
	Source string
	// Time is the local clock reading the offset refers to (for NTP, the
	// midpoint of the exchange).
	Time time.Time
	// Offset is local clock minus reference clock at Time.
	Offset time.Duration
	// Delay is the round-trip network delay. The true offset to the reference
	// lies within ±Delay/2 of Offset. Zero for sources that report a bound
	// directly (use RootDispersion for that).
	Delay time.Duration
	// RootDelay and RootDispersion are the reference's own distance to true
	// time, as it advertised it: its error is at most RootDelay/2 +
	// RootDispersion.
	RootDelay      time.Duration
	RootDispersion time.Duration
	// Precision is the resolution of the timestamps involved (the
	// reference's and ours added).
	Precision time.Duration
	// Stratum is the reference's stratum (1 for a primary reference).
	Stratum uint8
	// Timestamping says where the timestamps were taken: "hardware",
	// "kernel" or "user".
	Timestamping string
	// Leap is the leap status the reference announced; LeapNone when it
	// says nothing (a PHC).
	Leap Leap
	// ReferenceID is the reference's NTP reference ID: what it follows (an
	// IPv4 address, or four ASCII characters at stratum 1); zero when the
	// source has none (PTP).
	ReferenceID uint32
}

// MeasurementError is the half-width the exchange itself contributes: half
// the delay, one and a half times the timestamp precision (rounding the four
// timestamps moves the offset by up to one precision and hides up to one in
// the delay, half of which counts), and the frequency error of the two
// clocks over the exchange.
func (s Sample) MeasurementError() time.Duration {
	freq := time.Duration(math.Ceil(float64(s.Delay) * MaxFrequencyTolerance))
	return (s.Delay+1)/2 + s.Precision + (s.Precision+1)/2 + freq
}

// RootDistance is the reference's own error bound: root delay/2 + root
// dispersion.
func (s Sample) RootDistance() time.Duration {
	return s.RootDelay/2 + s.RootDispersion
}

// ErrorBound is the half-width of the interval that contains the true offset
// at Time when the reference was honest.
func (s Sample) ErrorBound() time.Duration {
	return s.MeasurementError() + s.RootDistance()
}

// Validate reports a sample that cannot be used: negative delay or
// dispersion, a missing source name or time.
func (s Sample) Validate() error {
	switch {
	case s.Source == "":
		return fmt.Errorf("estimator: sample has no source name")
	case s.Time.IsZero():
		return fmt.Errorf("estimator: sample from %s has no time", s.Source)
	case s.Delay < 0:
		return fmt.Errorf("estimator: sample from %s has negative delay %v", s.Source, s.Delay)
	case s.RootDelay < 0 || s.RootDispersion < 0 || s.Precision < 0:
		return fmt.Errorf("estimator: sample from %s has a negative root delay, dispersion or precision", s.Source)
	}
	return nil
}
