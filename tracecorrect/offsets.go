package tracecorrect

import (
	"fmt"
	"time"
)

// Measurement is one estimate of a host's clock offset.
type Measurement struct {
	// Time is the host's clock reading the estimate refers to.
	Time time.Time
	// Offset is host clock − true time: positive means the host is ahead.
	Offset time.Duration
	// ErrorBound bounds |true offset − Offset|.
	ErrorBound time.Duration
}

// Offsets maps a host name, as the spans' resources carry it in the host
// attribute, to that host's measurements in any order.
type Offsets map[string][]Measurement

// Merge adds every measurement of other to o.
func (o Offsets) Merge(other Offsets) {
	for host, ms := range other {
		o[host] = append(o[host], ms...)
	}
}

// maxMagnitude bounds offsets and error bounds (about 146 years) so that
// sums and differences of them never overflow.
const maxMagnitude = time.Duration(1 << 62)

// Validate reports the first measurement that cannot be used: a time that
// is missing or outside the years 1970–2261 that span timestamps hold,
// a negative bound, or an offset or bound beyond ±146 years.
func (o Offsets) Validate() error {
	for host, ms := range o {
		for i, m := range ms {
			if err := m.validate(); err != nil {
				return fmt.Errorf("offsets of host %q, measurement %d: %w", host, i, err)
			}
		}
	}
	return nil
}

// validate says what is wrong with m, if anything.
func (m Measurement) validate() error {
	switch {
	case m.Time.IsZero():
		return fmt.Errorf("time is missing; every measurement needs the host clock reading it refers to")
	case m.Time.Year() < 1970 || m.Time.Year() > 2261:
		return fmt.Errorf("time %v is outside the years 1970–2261 that span timestamps can hold", m.Time)
	case m.ErrorBound < 0:
		return fmt.Errorf("error bound %v is negative; a bound is a distance, ≥ 0", m.ErrorBound)
	case m.ErrorBound > maxMagnitude || m.Offset > maxMagnitude || m.Offset < -maxMagnitude:
		return fmt.Errorf("offset %v or error bound %v is beyond ±146 years; check the unit (seconds)", m.Offset, m.ErrorBound)
	}
	return nil
}
