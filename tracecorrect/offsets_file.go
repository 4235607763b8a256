package tracecorrect

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"time"
)

// offsetsFile is the JSON shape of an offsets file:
//
//	{"hosts": {"HOST": [{"time": RFC3339Nano, "offset_seconds": f, "error_bound_seconds": f}, ...]}}
type offsetsFile struct {
	Hosts map[string][]offsetsFilePoint `json:"hosts"`
}

// offsetsFilePoint is one measurement in an offsets file. Pointers tell a
// missing field from a zero.
type offsetsFilePoint struct {
	Time              *time.Time `json:"time"`
	OffsetSeconds     *float64   `json:"offset_seconds"`
	ErrorBoundSeconds *float64   `json:"error_bound_seconds"`
}

// DecodeOffsetsFile reads an offsets file:
//
//	{"hosts": {"HOST": [{"time": RFC3339Nano, "offset_seconds": f, "error_bound_seconds": f}, ...]}}
//
// time is the host's clock reading, offset_seconds is host clock − true
// time and error_bound_seconds bounds the offset's error. Every field is
// required.
func DecodeOffsetsFile(r io.Reader) (Offsets, error) {
	var f offsetsFile
	dec := json.NewDecoder(r)
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("offsets file: %w; expected {\"hosts\": {\"HOST\": [{\"time\", \"offset_seconds\", \"error_bound_seconds\"}, ...]}}", err)
	}
	if f.Hosts == nil {
		return nil, errors.New(`offsets file: no "hosts" object; expected {"hosts": {"HOST": [...]}}`)
	}
	offsets := make(Offsets, len(f.Hosts))
	for host, points := range f.Hosts {
		ms := make([]Measurement, 0, len(points))
		for i, p := range points {
			m, err := p.measurement()
			if err != nil {
				return nil, fmt.Errorf("offsets file: host %q, point %d: %w", host, i, err)
			}
			ms = append(ms, m)
		}
		offsets[host] = ms
	}
	return offsets, nil
}

// measurement converts p, checking that every field is there and in range.
func (p offsetsFilePoint) measurement() (Measurement, error) {
	if p.Time == nil || p.OffsetSeconds == nil || p.ErrorBoundSeconds == nil {
		return Measurement{}, errors.New(`"time", "offset_seconds" and "error_bound_seconds" are all required`)
	}
	return newMeasurement(*p.Time, *p.OffsetSeconds, *p.ErrorBoundSeconds)
}

// newMeasurement builds a measurement from seconds as JSON and metrics
// carry them, and validates it.
func newMeasurement(t time.Time, offsetSeconds, boundSeconds float64) (Measurement, error) {
	offset, err := secondsToDuration(offsetSeconds)
	if err != nil {
		return Measurement{}, fmt.Errorf("offset: %w", err)
	}
	bound, err := secondsToDuration(boundSeconds)
	if err != nil {
		return Measurement{}, fmt.Errorf("error bound: %w", err)
	}
	m := Measurement{Time: t, Offset: offset, ErrorBound: bound}
	return m, m.validate()
}

// secondsToDuration converts finite seconds within ±146 years.
func secondsToDuration(s float64) (time.Duration, error) {
	if math.IsNaN(s) || math.Abs(s) > maxMagnitude.Seconds() {
		return 0, fmt.Errorf("%v seconds is not a finite number within ±146 years", s)
	}
	return time.Duration(math.Round(s * 1e9)), nil
}

// EncodeOffsetsFile writes offsets in the shape DecodeOffsetsFile reads,
// hosts sorted by name and times in UTC.
func EncodeOffsetsFile(w io.Writer, offsets Offsets) error {
	f := offsetsFile{Hosts: make(map[string][]offsetsFilePoint, len(offsets))}
	for host, ms := range offsets {
		points := make([]offsetsFilePoint, len(ms))
		for i, m := range ms {
			t := m.Time.UTC()
			offset, bound := m.Offset.Seconds(), m.ErrorBound.Seconds()
			points[i] = offsetsFilePoint{Time: &t, OffsetSeconds: &offset, ErrorBoundSeconds: &bound}
		}
		f.Hosts[host] = points
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(f); err != nil {
		return fmt.Errorf("write offsets file: %w", err)
	}
	return nil
}
