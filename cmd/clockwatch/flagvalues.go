package main

import (
	"fmt"
	"math"
	"strconv"
)

// rateFlag is a flag of events per second: a finite number, at least 0.
// It writes target.
type rateFlag struct {
	name   string
	target *float64
}

// Set parses s, refusing NaN, infinities and negative rates, which would
// silently turn a limit off.
func (r *rateFlag) Set(s string) error {
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
		return fmt.Errorf("--%s=%s is not a rate: give requests per second as a finite number, or 0 for no limit", r.name, s)
	}
	*r.target = v
	return nil
}

func (r *rateFlag) String() string { return strconv.FormatFloat(*r.target, 'g', -1, 64) }

// intFlag is an integer flag that must lie in min..max. It writes target.
type intFlag struct {
	name     string
	target   *int
	min, max int
}

// Set parses s and checks its range.
func (f *intFlag) Set(s string) error {
	v, err := strconv.Atoi(s)
	if err != nil || v < f.min || v > f.max {
		return fmt.Errorf("--%s=%s is not a whole number from %d to %d", f.name, s, f.min, f.max)
	}
	*f.target = v
	return nil
}

func (f *intFlag) String() string { return strconv.Itoa(*f.target) }
