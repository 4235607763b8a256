package ntp

import (
	"math"
	"strings"

	"github.com/facebook/time/ntp/chrony"
	"github.com/prometheus/client_golang/prometheus"
)

// Metrics of a ChronySource: chronyd's tracking and its view of each of
// its sources, the numbers a chrony exporter serves. Offsets follow the
// project's sign (local − reference); a source's offsets are measured from
// chronyd's clock, the system clock plus the correction chronyd has still
// to apply. Labels are bounded: one series set
// per chronyd source, which chronyd's configuration bounds.
var (
	chronyUpDesc = prometheus.NewDesc("clockwatch_chrony_up",
		"1 when chronyd answered the last poll.", []string{"source"}, nil)
	chronyTrackingInfoDesc = prometheus.NewDesc("clockwatch_chrony_tracking_info",
		"The reference chronyd follows and its leap status (value 1).", []string{"source", "reference_id", "reference_address", "leap_status"}, nil)
	chronySystemTimeDesc = prometheus.NewDesc("clockwatch_chrony_tracking_system_time_seconds",
		"chronyd's estimate of the system clock minus true time (chronyc tracking's System time, positive when fast).", []string{"source"}, nil)
	chronyLastOffsetDesc = prometheus.NewDesc("clockwatch_chrony_tracking_last_offset_seconds",
		"Offset chronyd measured at its last clock update.", []string{"source"}, nil)
	chronyRMSOffsetDesc = prometheus.NewDesc("clockwatch_chrony_tracking_rms_offset_seconds",
		"Long-term average of chronyd's offsets.", []string{"source"}, nil)
	chronyRootDelayDesc = prometheus.NewDesc("clockwatch_chrony_tracking_root_delay_seconds",
		"chronyd's total round-trip delay to the primary reference.", []string{"source"}, nil)
	chronyRootDispersionDesc = prometheus.NewDesc("clockwatch_chrony_tracking_root_dispersion_seconds",
		"chronyd's accumulated dispersion to the primary reference.", []string{"source"}, nil)
	chronyStratumDesc = prometheus.NewDesc("clockwatch_chrony_tracking_stratum",
		"chronyd's stratum.", []string{"source"}, nil)
	chronyUpdateIntervalDesc = prometheus.NewDesc("clockwatch_chrony_tracking_update_interval_seconds",
		"Interval between chronyd's last two clock updates.", []string{"source"}, nil)
	chronySourceInfoDesc = prometheus.NewDesc("clockwatch_chrony_source_info",
		"One of chronyd's sources, its mode and selection state (value 1).", []string{"source", "address", "name", "mode", "state"}, nil)
	chronySourceOffsetDesc = prometheus.NewDesc("clockwatch_chrony_source_last_sample_offset_seconds",
		"chronyd's clock minus the source at chronyd's last sample of it.", []string{"source", "address"}, nil)
	chronySourceErrorDesc = prometheus.NewDesc("clockwatch_chrony_source_last_sample_error_seconds",
		"Error margin of that sample.", []string{"source", "address"}, nil)
	chronySourceAgeDesc = prometheus.NewDesc("clockwatch_chrony_source_last_sample_age_seconds",
		"Time since chronyd's last good sample of the source.", []string{"source", "address"}, nil)
	chronySourcePollDesc = prometheus.NewDesc("clockwatch_chrony_source_poll_interval_seconds",
		"chronyd's polling interval of the source.", []string{"source", "address"}, nil)
	chronySourceReachDesc = prometheus.NewDesc("clockwatch_chrony_source_reachability_ratio",
		"Share of the last 8 polls of the source that were answered.", []string{"source", "address"}, nil)
	chronySourceStratumDesc = prometheus.NewDesc("clockwatch_chrony_source_stratum",
		"The source's stratum.", []string{"source", "address"}, nil)
	chronySourceEstimatedDesc = prometheus.NewDesc("clockwatch_chrony_source_estimated_offset_seconds",
		"chronyd's clock minus the source as its regression over recent samples estimates it (sourcestats).", []string{"source", "address"}, nil)
	chronySourceStdDevDesc = prometheus.NewDesc("clockwatch_chrony_source_stddev_seconds",
		"Standard deviation of the source's recent samples around the regression.", []string{"source", "address"}, nil)
	chronySourceSamplesDesc = prometheus.NewDesc("clockwatch_chrony_source_samples",
		"Samples chronyd keeps for the source.", []string{"source", "address"}, nil)
)

// chronyLeapStatus names chronyd's leap status as chronyc tracking does.
var chronyLeapStatus = map[uint16]string{0: "normal", 1: "insert_second", 2: "delete_second", 3: "unsynchronised"}

// Describe sends the descriptors of chronyd's metrics, clockwatch's and
// chrony_exporter's.
func (s *ChronySource) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{chronyUpDesc, chronyTrackingInfoDesc, chronySystemTimeDesc, chronyLastOffsetDesc,
		chronyRMSOffsetDesc, chronyRootDelayDesc, chronyRootDispersionDesc, chronyStratumDesc, chronyUpdateIntervalDesc,
		chronySourceInfoDesc, chronySourceOffsetDesc, chronySourceErrorDesc, chronySourceAgeDesc, chronySourcePollDesc,
		chronySourceReachDesc, chronySourceStratumDesc, chronySourceEstimatedDesc, chronySourceStdDevDesc, chronySourceSamplesDesc} {
		ch <- d
	}
	describeCompat(ch)
}

// Collect sends what the last poll of chronyd said, under clockwatch's
// names and chrony_exporter's; only clockwatch_chrony_up and chrony_up
// while chronyd does not answer.
func (s *ChronySource) Collect(ch chan<- prometheus.Metric) {
	state := s.state.Get()
	s.mu.Lock()
	r := s.latest
	s.mu.Unlock()
	name := s.info.Name
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, append([]string{name}, labels...)...)
	}
	up := state != ResultDown && state != ""
	collectCompat(ch, up, r)
	if !up {
		gauge(chronyUpDesc, 0)
		return
	}
	gauge(chronyUpDesc, 1)
	t := r.Tracking
	gauge(chronyTrackingInfoDesc, 1, chrony.RefidAsHEX(t.RefID), t.IPAddr.String(), chronyLeapStatus[t.LeapStatus])
	gauge(chronySystemTimeDesc, -t.CurrentCorrection)
	gauge(chronyLastOffsetDesc, t.LastOffset)
	gauge(chronyRMSOffsetDesc, t.RMSOffset)
	gauge(chronyRootDelayDesc, t.RootDelay)
	gauge(chronyRootDispersionDesc, t.RootDispersion)
	gauge(chronyStratumDesc, float64(t.Stratum))
	gauge(chronyUpdateIntervalDesc, t.LastUpdateInterval)
	for _, src := range r.Sources {
		d := src.Data
		gauge(chronySourceInfoDesc, 1, src.Address, src.Name, strings.ToLower(d.Mode.String()), strings.ToLower(d.State.String()))
		gauge(chronySourceOffsetDesc, d.LatestMeas, src.Address)
		gauge(chronySourceErrorDesc, d.LatestMeasErr, src.Address)
		gauge(chronySourceAgeDesc, float64(d.SinceSample), src.Address)
		gauge(chronySourcePollDesc, math.Ldexp(1, int(d.Poll)), src.Address)
		gauge(chronySourceReachDesc, reachRatio(d.Reachability), src.Address)
		gauge(chronySourceStratumDesc, float64(d.Stratum), src.Address)
		gauge(chronySourceEstimatedDesc, src.Stats.EstimatedOffset, src.Address)
		gauge(chronySourceStdDevDesc, src.Stats.StandardDeviation, src.Address)
		gauge(chronySourceSamplesDesc, float64(src.Stats.NSamples), src.Address)
	}
}

// reachRatio is the share of set bits in chronyd's 8-bit reach register.
func reachRatio(reach uint16) float64 {
	n := 0
	for r := reach & 0xff; r != 0; r &= r - 1 {
		n++
	}
	return float64(n) / 8
}
