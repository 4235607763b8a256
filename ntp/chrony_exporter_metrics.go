package ntp

import (
	"math"
	"math/bits"
	"net"

	"github.com/facebook/time/ntp/chrony"
	"github.com/prometheus/client_golang/prometheus"
)

// chronyd's tracking, sources, sourcestats and serverstats under the
// metric names, label names, types and signs of chrony_exporter
// (github.com/SuperQ/chrony_exporter), so that its dashboards and alerts
// work unchanged when clockwatch reads chronyd in its place. Its values are
// chronyd's own numbers, signs included: chrony_tracking_system_time_seconds
// is chronyd's correction, positive when the clock is slow, the opposite of
// clockwatch_chrony_tracking_system_time_seconds (local − true). A source's
// source_name is the name chronyd was configured with (chrony_exporter's
// is a reverse DNS lookup, or the address), a reference clock's its refid.

// compatMetric is one chrony_exporter metric read from a report part T.
type compatMetric[T any] struct {
	desc  *prometheus.Desc
	kind  prometheus.ValueType
	value func(T) float64
}

// compatDesc names a metric as chrony_exporter does: chrony_SUBSYSTEM_NAME.
func compatDesc(subsystem, name, help string, labels ...string) *prometheus.Desc {
	return prometheus.NewDesc(prometheus.BuildFQName("chrony", subsystem, name), help, labels, nil)
}

// compatGauge is a gauge of one report part; a source's are labelled with
// sourceLabels.
func compatGauge[T any](subsystem, name, help string, value func(T) float64, labels ...string) compatMetric[T] {
	return compatMetric[T]{compatDesc(subsystem, name, help, labels...), prometheus.GaugeValue, value}
}

// compatCounter is a counter of chronyd's server statistics.
func compatCounter(name, help string, value func(chrony.ServerStats4) uint64) compatMetric[chrony.ServerStats4] {
	return compatMetric[chrony.ServerStats4]{compatDesc("serverstats", name, help), prometheus.CounterValue,
		func(s chrony.ServerStats4) float64 { return float64(value(s)) }}
}

// sourceLabels label every per-source metric.
var sourceLabels = []string{"source_address", "source_name"}

// chronyLocalReference is the address chronyd reports while it serves its
// own clock (the local directive): no remote reference.
var chronyLocalReference = net.IPv4(127, 127, 1, 1)

var (
	compatUpDesc = compatDesc("", "up", "1 when chronyd answered clockwatch's last poll.")

	compatTrackingInfoDesc = compatDesc("tracking", "info", "The reference chronyd follows: its address, name and refid (value 1).",
		"tracking_address", "tracking_name", "tracking_refid")
	compatTracking = []compatMetric[chrony.Tracking]{
		compatGauge("tracking", "last_offset_seconds", "Offset chronyd estimated at its last clock update (positive: the clock was ahead).",
			func(t chrony.Tracking) float64 { return t.LastOffset }),
		compatGauge("tracking", "reference_timestamp_seconds", "When chronyd last processed a measurement of its reference, in seconds since the Unix epoch.",
			func(t chrony.Tracking) float64 { return float64(t.RefTime.UnixNano()) / 1e9 }),
		compatGauge("tracking", "system_time_seconds", "chronyd's correction still to be applied to the system clock (chronyc tracking's System time; positive: the clock is slow).",
			func(t chrony.Tracking) float64 { return t.CurrentCorrection }),
		compatGauge("tracking", "remote_reference", "1 when chronyd follows a remote reference, 0 when it serves its own clock (local).",
			func(t chrony.Tracking) float64 { return boolValue(!t.IPAddr.Equal(chronyLocalReference)) }),
		compatGauge("tracking", "rms_offset_seconds", "Long-term average of chronyd's offsets.",
			func(t chrony.Tracking) float64 { return t.RMSOffset }),
		compatGauge("tracking", "root_delay_seconds", "chronyd's total round-trip delay to the primary reference.",
			func(t chrony.Tracking) float64 { return t.RootDelay }),
		compatGauge("tracking", "root_dispersion_seconds", "chronyd's accumulated dispersion to the primary reference.",
			func(t chrony.Tracking) float64 { return t.RootDispersion }),
		compatGauge("tracking", "frequency_ppms", "How far the system clock would run off without chronyd's correction, in ppm, as chronyd reports it.",
			func(t chrony.Tracking) float64 { return t.FreqPPM }),
		compatGauge("tracking", "residual_frequency_ppms", "Frequency the reference suggests minus the one in use, in ppm.",
			func(t chrony.Tracking) float64 { return t.ResidFreqPPM }),
		compatGauge("tracking", "skew_ppms", "Error bound of chronyd's frequency, in ppm.",
			func(t chrony.Tracking) float64 { return t.SkewPPM }),
		compatGauge("tracking", "update_interval_seconds", "Interval between chronyd's last two clock updates.",
			func(t chrony.Tracking) float64 { return t.LastUpdateInterval }),
		compatGauge("tracking", "stratum", "chronyd's stratum.",
			func(t chrony.Tracking) float64 { return float64(t.Stratum) }),
	}

	compatSourceStateDesc = compatDesc("sources", "state_info", "A source of chronyd with its selection state and mode (value 1).",
		append(sourceLabels, "source_state", "source_mode")...)
	compatSources = []compatMetric[chrony.SourceData]{
		compatGauge("sources", "last_sample_age_seconds", "Time since chronyd's last good sample of the source.",
			func(d chrony.SourceData) float64 { return float64(d.SinceSample) }, sourceLabels...),
		compatGauge("sources", "reachability_ratio", "Share of the last 8 polls of the source that were answered.",
			func(d chrony.SourceData) float64 { return float64(bits.OnesCount8(uint8(d.Reachability))) / 8 }, sourceLabels...),
		compatGauge("sources", "reachability_success", "1 when the last poll of the source was answered.",
			func(d chrony.SourceData) float64 { return float64(d.Reachability & 1) }, sourceLabels...),
		compatGauge("sources", "last_sample_offset_seconds", "chronyd's clock minus the source at its last sample (positive: the clock is ahead).",
			func(d chrony.SourceData) float64 { return d.LatestMeas }, sourceLabels...),
		compatGauge("sources", "last_sample_error_margin_seconds", "Error margin of the source's last sample.",
			func(d chrony.SourceData) float64 { return d.LatestMeasErr }, sourceLabels...),
		compatGauge("sources", "polling_interval_seconds", "chronyd's polling interval of the source.",
			func(d chrony.SourceData) float64 { return math.Ldexp(1, int(d.Poll)) }, sourceLabels...),
		compatGauge("sources", "stratum", "The source's stratum.",
			func(d chrony.SourceData) float64 { return float64(d.Stratum) }, sourceLabels...),
	}

	compatSourceStats = []compatMetric[chrony.SourceStats]{
		compatGauge("sourcestats", "samples", "Samples chronyd keeps for the source (chronyc sourcestats' NP).",
			func(s chrony.SourceStats) float64 { return float64(s.NSamples) }, sourceLabels...),
		compatGauge("sourcestats", "runs", "Runs of residuals of one sign after the last regression (NR).",
			func(s chrony.SourceStats) float64 { return float64(s.NRuns) }, sourceLabels...),
		compatGauge("sourcestats", "span_seconds", "Time between the oldest and the newest sample kept.",
			func(s chrony.SourceStats) float64 { return float64(s.SpanSeconds) }, sourceLabels...),
		compatGauge("sourcestats", "stddev", "Standard deviation of the samples around the regression, in seconds.",
			func(s chrony.SourceStats) float64 { return s.StandardDeviation }, sourceLabels...),
		compatGauge("sourcestats", "frequency_ppms", "The source's residual frequency, in ppm.",
			func(s chrony.SourceStats) float64 { return s.ResidFreqPPM }, sourceLabels...),
		compatGauge("sourcestats", "frequency_skew_ppms", "Error bound of that frequency, in ppm.",
			func(s chrony.SourceStats) float64 { return s.SkewPPM }, sourceLabels...),
		compatGauge("sourcestats", "offset", "chronyd's clock minus the source as the regression estimates it, in seconds.",
			func(s chrony.SourceStats) float64 { return s.EstimatedOffset }, sourceLabels...),
	}

	compatServerStats = []compatMetric[chrony.ServerStats4]{
		compatCounter("ntp_packets_received_total", "Valid NTP requests chronyd received.",
			func(s chrony.ServerStats4) uint64 { return s.NTPHits }),
		compatCounter("nts_ke_connections_accepted_total", "NTS-KE connections chronyd accepted.",
			func(s chrony.ServerStats4) uint64 { return s.NKEHits }),
		compatCounter("command_packets_received_total", "Command requests chronyd received.",
			func(s chrony.ServerStats4) uint64 { return s.CMDHits }),
		compatCounter("ntp_packets_dropped_total", "NTP requests chronyd dropped by its rate limit.",
			func(s chrony.ServerStats4) uint64 { return s.NTPDrops }),
		compatCounter("nts_ke_connections_dropped_total", "NTS-KE connections chronyd dropped by its rate limit.",
			func(s chrony.ServerStats4) uint64 { return s.NKEDrops }),
		compatCounter("command_packets_dropped_total", "Command requests chronyd dropped by its rate limit.",
			func(s chrony.ServerStats4) uint64 { return s.CMDDrops }),
		compatCounter("client_log_records_dropped_total", "Client log records chronyd dropped to bound its memory.",
			func(s chrony.ServerStats4) uint64 { return s.LogDrops }),
		compatCounter("authenticated_ntp_packets_total", "NTP requests chronyd received authenticated (symmetric key or NTS).",
			func(s chrony.ServerStats4) uint64 { return s.NTPAuthHits }),
		compatCounter("interleaved_ntp_packets_total", "NTP requests chronyd received in interleaved mode.",
			func(s chrony.ServerStats4) uint64 { return s.NTPInterleavedHits }),
		{compatDesc("serverstats", "ntp_timestamps_held", "Receive/transmit timestamp pairs chronyd holds for interleaved-mode clients."), prometheus.GaugeValue,
			func(s chrony.ServerStats4) float64 { return float64(s.NTPTimestamps) }},
		{compatDesc("serverstats", "ntp_timestamp_span_seconds", "Time the held timestamps cover."), prometheus.GaugeValue,
			func(s chrony.ServerStats4) float64 { return float64(s.NTPSpanSeconds) }},
		compatCounter("ntp_daemon_rx_timestamps_total", "NTP responses with a receive timestamp chronyd took itself.",
			func(s chrony.ServerStats4) uint64 { return s.NTPDaemonRxtimestamps }),
		compatCounter("ntp_daemon_tx_timestamps_total", "NTP responses with a transmit timestamp chronyd took itself.",
			func(s chrony.ServerStats4) uint64 { return s.NTPDaemonTxtimestamps }),
		compatCounter("ntp_kernel_rx_timestamps_total", "NTP responses with a receive timestamp from the kernel.",
			func(s chrony.ServerStats4) uint64 { return s.NTPKernelRxtimestamps }),
		compatCounter("ntp_kernel_tx_timestamps_total", "NTP responses (interleaved) with a transmit timestamp from the kernel.",
			func(s chrony.ServerStats4) uint64 { return s.NTPKernelTxtimestamps }),
		compatCounter("ntp_hw_rx_timestamps_total", "NTP responses with a receive timestamp from the NIC.",
			func(s chrony.ServerStats4) uint64 { return s.NTPHwRxTimestamps }),
		compatCounter("ntp_hw_tx_timestamps_total", "NTP responses (interleaved) with a transmit timestamp from the NIC.",
			func(s chrony.ServerStats4) uint64 { return s.NTPHwTxTimestamps }),
	}
)

// describeCompat sends the descriptors of the chrony_exporter metrics.
func describeCompat(ch chan<- *prometheus.Desc) {
	ch <- compatUpDesc
	ch <- compatTrackingInfoDesc
	ch <- compatSourceStateDesc
	describeAll(ch, compatTracking)
	describeAll(ch, compatSources)
	describeAll(ch, compatSourceStats)
	describeAll(ch, compatServerStats)
}

func describeAll[T any](ch chan<- *prometheus.Desc, ms []compatMetric[T]) {
	for _, m := range ms {
		ch <- m.desc
	}
}

// collectCompat sends the chrony_exporter metrics of the last report; only
// chrony_up while chronyd does not answer (up false).
func collectCompat(ch chan<- prometheus.Metric, up bool, r ChronyReport) {
	ch <- prometheus.MustNewConstMetric(compatUpDesc, prometheus.GaugeValue, boolValue(up))
	if !up {
		return
	}
	t := r.Tracking
	ch <- prometheus.MustNewConstMetric(compatTrackingInfoDesc, prometheus.GaugeValue, 1,
		trackingAddress(t), trackingName(r), chrony.RefidAsHEX(t.RefID))
	collectAll(ch, compatTracking, t)
	for _, src := range r.Sources {
		labels := []string{src.IPAddr, sourceName(src)}
		ch <- prometheus.MustNewConstMetric(compatSourceStateDesc, prometheus.GaugeValue, 1,
			append(labels, src.Data.State.String(), src.Data.Mode.String())...)
		collectAll(ch, compatSources, src.Data, labels...)
		collectAll(ch, compatSourceStats, src.Stats, labels...)
	}
	if r.ServerStats != nil {
		collectAll(ch, compatServerStats, *r.ServerStats)
	}
}

func collectAll[T any](ch chan<- prometheus.Metric, ms []compatMetric[T], v T, labels ...string) {
	for _, m := range ms {
		ch <- prometheus.MustNewConstMetric(m.desc, m.kind, m.value(v), labels...)
	}
}

// trackingAddress is the address of chronyd's reference; empty when it is
// no IP address (a reference clock).
func trackingAddress(t chrony.Tracking) string {
	if t.IPAddr == nil {
		return ""
	}
	return t.IPAddr.String()
}

// trackingName names chronyd's reference: a reference clock by its refid,
// a server by the name chronyd was configured with, else its address.
func trackingName(r ChronyReport) string {
	t := r.Tracking
	if t.IPAddr == nil || t.IPAddr.IsUnspecified() {
		return chrony.RefidToString(t.RefID)
	}
	address := t.IPAddr.String()
	for _, src := range r.Sources {
		if src.IPAddr == address && src.Name != "" {
			return src.Name
		}
	}
	return address
}

// sourceName names a source: the name chronyd was configured with, else
// its address (a reference clock's refid).
func sourceName(src ChronySourceView) string {
	if src.Name != "" {
		return src.Name
	}
	return src.Address
}

// boolValue is 1 for true.
func boolValue(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
