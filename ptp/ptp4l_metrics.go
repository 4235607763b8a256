package ptp

import (
	"strconv"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics of a Ptp4lSource. Labels are bounded: one series set per
// source, one per ptp4l port, one per grandmaster at a time.
var (
	ptp4lUpDesc = prometheus.NewDesc("clockwatch_ptp4l_up",
		"1 when ptp4l's management socket answered the last poll.", []string{"source"}, nil)
	ptp4lOffsetDesc = prometheus.NewDesc("clockwatch_ptp4l_offset_from_master_seconds",
		"ptp4l's clock minus its master's, from the last Sync (ptp4l's own sign: positive is ahead).", []string{"source"}, nil)
	ptp4lDelayDesc = prometheus.NewDesc("clockwatch_ptp4l_mean_path_delay_seconds",
		"ptp4l's mean one-way path delay to its master.", []string{"source"}, nil)
	ptp4lStepsDesc = prometheus.NewDesc("clockwatch_ptp4l_steps_removed",
		"Hops between ptp4l and its grandmaster.", []string{"source"}, nil)
	ptp4lPortDesc = prometheus.NewDesc("clockwatch_ptp4l_port_info",
		"A ptp4l port, its state and timestamping (value 1).", []string{"source", "port", "state", "interface", "timestamping"}, nil)
	ptp4lGMDesc = prometheus.NewDesc("clockwatch_ptp4l_grandmaster_info",
		"The grandmaster ptp4l follows (value 1).", []string{"source", "grandmaster_identity"}, nil)
	ptp4lClassDesc = prometheus.NewDesc("clockwatch_ptp4l_grandmaster_clock_class",
		"The grandmaster's advertised clockClass (6: locked to a primary reference, 248: default).", []string{"source"}, nil)
	ptp4lAccuracyDesc = prometheus.NewDesc("clockwatch_ptp4l_grandmaster_clock_accuracy_seconds",
		"The grandmaster's advertised clockAccuracy (25 when unknown).", []string{"source"}, nil)
	ptp4lUTCOffsetDesc = prometheus.NewDesc("clockwatch_ptp4l_utc_offset_seconds",
		"TAI minus UTC as the grandmaster announces it.", []string{"source"}, nil)
	ptp4lUTCValidDesc = prometheus.NewDesc("clockwatch_ptp4l_utc_offset_valid",
		"1 when the grandmaster says its UTC offset is valid.", []string{"source"}, nil)
	ptp4lLeapDesc = prometheus.NewDesc("clockwatch_ptp4l_leap_second",
		"Leap second announced for the end of the UTC day: 1 inserted, -1 deleted, 0 none.", []string{"source"}, nil)
)

// Describe sends the descriptors of ptp4l's metrics.
func (s *Ptp4lSource) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{ptp4lUpDesc, ptp4lOffsetDesc, ptp4lDelayDesc, ptp4lStepsDesc, ptp4lPortDesc,
		ptp4lGMDesc, ptp4lClassDesc, ptp4lAccuracyDesc, ptp4lUTCOffsetDesc, ptp4lUTCValidDesc, ptp4lLeapDesc} {
		ch <- d
	}
}

// Collect sends what the last poll of ptp4l said; only ptp4l_up while
// ptp4l does not answer.
func (s *Ptp4lSource) Collect(ch chan<- prometheus.Metric) {
	state := s.state.Get()
	s.mu.Lock()
	st := s.current
	s.mu.Unlock()
	name := s.info.Name
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, append([]string{name}, labels...)...)
	}
	if state == ResultDown || state == "" {
		gauge(ptp4lUpDesc, 0)
		return
	}
	gauge(ptp4lUpDesc, 1)
	for _, p := range st.Ports {
		gauge(ptp4lPortDesc, 1, strconv.Itoa(int(p.Number)), p.State.String(), p.Interface, timestampingName(p.Timestamping))
	}
	offset, valid := st.Time.UTCOffset()
	gauge(ptp4lUTCOffsetDesc, offset.Seconds())
	gauge(ptp4lUTCValidDesc, boolValue(valid))
	gauge(ptp4lLeapDesc, float64(st.Time.Leap()))
	if !st.GrandmasterPresent {
		return
	}
	gauge(ptp4lOffsetDesc, st.OffsetFromMaster.Seconds())
	gauge(ptp4lDelayDesc, st.MeanPathDelay.Seconds())
	gauge(ptp4lStepsDesc, float64(st.StepsRemoved))
	gauge(ptp4lGMDesc, 1, st.Grandmaster.String())
	gauge(ptp4lClassDesc, float64(st.GrandmasterQuality.ClockClass))
	gauge(ptp4lAccuracyDesc, st.GrandmasterQuality.ClockAccuracy.Duration().Seconds())
}

// boolValue is 1 for true, 0 for false.
func boolValue(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
