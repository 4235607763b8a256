package exporters

import (
	"math"
	"slices"
	"time"

	"github.com/clockwatch/clockwatch/estimator"
	"github.com/prometheus/client_golang/prometheus"
)

const namespace = "clockwatch"

// Collector exports the current estimate as Prometheus metrics. It reads
// the estimate at scrape time; there is no per-update bookkeeping, and the
// label sets are bounded by the configured sources.
type Collector struct {
	current func() estimator.Estimate

	offset, bound, drift, driftBound, driftModel, synchronized, holdover *prometheus.Desc
	steps, lastSample, boundPart, lastStep, lastStepSize                 *prometheus.Desc

	srcInfo, srcOffset, srcDelay, srcBound, srcReachable *prometheus.Desc
	srcSelected, srcStratum, srcLast, srcSamples         *prometheus.Desc
	srcStatus, srcRootDistance, srcLastOffset            *prometheus.Desc

	srcAuthenticated, srcKeyExchanges, srcKEFailures, srcBadMACs *prometheus.Desc
	srcCookieRefreshes, srcNAKs, srcCookies                      *prometheus.Desc
}

// NewCollector returns a collector of the estimate current returns; current
// is called once per scrape and should carry the estimate to the present
// (estimator.Estimate.At).
func NewCollector(current func() estimator.Estimate) *Collector {
	desc := func(name, help string, labels ...string) *prometheus.Desc {
		return prometheus.NewDesc(namespace+"_"+name, help, labels, nil)
	}
	src := []string{"source", "kind"}
	return &Collector{
		current:         current,
		offset:          desc("offset_seconds", "Estimated offset of this host's clock: local clock minus true time (positive: this host is ahead). Absent until something is measured."),
		bound:           desc("error_bound_seconds", "Bound on the error of clockwatch_offset_seconds: |true offset - estimate| is at most this (+Inf when unknown)."),
		drift:           desc("frequency_offset_ratio", "Estimated frequency offset of the local clock (positive: it runs fast), as a ratio (1e-6 is 1 ppm)."),
		driftBound:      desc("frequency_uncertainty_ratio", "Bound on the error of clockwatch_frequency_offset_ratio."),
		driftModel:      desc("frequency_model_info", "What clockwatch_frequency_uncertainty_ratio, and so the growth of the error bound with time, relies on, as a label; always 1. intervals: proven by the samples alone. envelope: the one-way delays' envelopes, assuming each path's minimum delay is constant between the route changes clockwatch detects. none: nothing measured yet.", "model"),
		synchronized:    desc("synchronized", "1 when a majority of sources agrees and the estimate is fresh (including holdover), else 0."),
		holdover:        desc("holdover", "1 when every source went quiet and the estimate is carried forward with a growing bound."),
		steps:           desc("clock_steps_total", "Times the offset moved further than its bound allowed: the local clock or the reference stepped."),
		lastSample:      desc("last_sample_timestamp_seconds", "Local clock time of the newest sample of a selected source, in seconds since the Unix epoch."),
		boundPart:       desc("error_bound_part_seconds", "Where clockwatch_error_bound_seconds comes from; the parts add up to it: measurement (half delay, precision), root_distance (the reference's own bound), drift_growth (uncertainty grown since the sample), selection (disagreement between sources).", "part"),
		lastStep:        desc("last_step_timestamp_seconds", "Local clock time of the last detected step, in seconds since the Unix epoch."),
		lastStepSize:    desc("last_step_size_seconds", "Size of the last detected step: the new offset minus the old one carried forward."),
		srcInfo:         desc("source_info", "Identity of a configured source; always 1.", "source", "kind", "address"),
		srcOffset:       desc("source_offset_seconds", "This host's offset as one source sees it: local clock minus the source's time.", src...),
		srcDelay:        desc("source_delay_seconds", "Round-trip delay of the newest sample of a source.", src...),
		srcBound:        desc("source_error_bound_seconds", "Bound on the error of clockwatch_source_offset_seconds, including the source's root distance.", src...),
		srcReachable:    desc("source_reachable", "1 when a source answered at least one of its last 8 polls.", src...),
		srcSelected:     desc("source_selected", "1 when a source agrees with the majority and is combined into the estimate.", src...),
		srcStratum:      desc("source_stratum", "Stratum of a source's newest sample.", src...),
		srcLast:         desc("source_last_sample_timestamp_seconds", "Local clock time of a source's newest usable sample, in seconds since the Unix epoch.", src...),
		srcSamples:      desc("source_samples_total", "Polls of a source by result: ok, or why no sample came (timeout, bad_origin, kod, malformed, ...).", "source", "kind", "result"),
		srcRootDistance: desc("source_root_distance_seconds", "The part of a source's error bound that is its reference's own error: root delay/2 + root dispersion.", src...),
		srcLastOffset:   desc("source_last_offset_seconds", "Raw offset of a source's newest sample, before filtering.", src...),
		srcStatus:       desc("source_status", "Status of a source as a label (selected, candidate, falseticker, unreachable, kod, init, unauthenticated); always 1.", "source", "kind", "status"),

		srcAuthenticated:   desc("source_authenticated", "1 when a source's measurements are authenticated (NTS or a symmetric key), else 0; the label says how: nts, symmetric or none.", "source", "kind", "authentication"),
		srcKeyExchanges:    desc("source_nts_key_exchanges_total", "NTS key exchanges of a source that succeeded.", src...),
		srcKEFailures:      desc("source_nts_key_exchange_failures_total", "NTS key exchanges of a source that failed (TLS, certificate, refused): each a poll without a sample.", src...),
		srcBadMACs:         desc("source_bad_macs_total", "Replies of an authenticated source refused because they failed authentication: tampered with, forged, or keyed differently.", src...),
		srcCookieRefreshes: desc("source_nts_cookie_refreshes_total", "Fresh NTS cookies a source received in its replies, each replacing one spent.", src...),
		srcNAKs:            desc("source_auth_naks_total", "NTS NAKs and crypto-NAKs from a source: it refused our cookie or key.", src...),
		srcCookies:         desc("source_nts_cookies", "Unspent NTS cookies a source holds.", src...),
	}
}

// Describe sends every metric description.
func (c *Collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{
		c.offset, c.bound, c.drift, c.driftBound, c.driftModel, c.synchronized, c.holdover, c.steps, c.lastSample,
		c.boundPart, c.lastStep, c.lastStepSize,
		c.srcInfo, c.srcOffset, c.srcDelay, c.srcBound, c.srcReachable, c.srcSelected, c.srcStratum,
		c.srcLast, c.srcSamples, c.srcStatus, c.srcRootDistance, c.srcLastOffset,
		c.srcAuthenticated, c.srcKeyExchanges, c.srcKEFailures, c.srcBadMACs, c.srcCookieRefreshes, c.srcNAKs, c.srcCookies,
	} {
		ch <- d
	}
}

// Collect sends the metrics of the current estimate.
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	e := c.current()
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	if e.HasOffset() {
		gauge(c.offset, e.Offset.Seconds())
		gauge(c.bound, e.ErrorBound.Seconds())
		c.collectBoundParts(ch, e.BoundParts)
	} else {
		gauge(c.bound, math.Inf(1))
	}
	gauge(c.drift, e.Drift)
	gauge(c.driftBound, e.DriftBound)
	if e.DriftModel != "" {
		gauge(c.driftModel, 1, string(e.DriftModel))
	}
	gauge(c.synchronized, boolValue(e.Synchronized))
	gauge(c.holdover, boolValue(e.Status == estimator.StatusHoldover))
	ch <- prometheus.MustNewConstMetric(c.steps, prometheus.CounterValue, float64(e.Steps))
	if !e.LastSample.IsZero() {
		gauge(c.lastSample, unixSeconds(e.LastSample))
	}
	if !e.LastStep.At.IsZero() {
		gauge(c.lastStep, unixSeconds(e.LastStep.At))
		gauge(c.lastStepSize, e.LastStep.Size.Seconds())
	}
	for _, s := range e.Sources {
		c.collectSource(ch, s)
	}
}

// collectSource sends the metrics of one source.
func (c *Collector) collectSource(ch chan<- prometheus.Metric, s estimator.SourceEstimate) {
	kind := string(s.Kind)
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, append([]string{s.Name, kind}, labels...)...)
	}
	ch <- prometheus.MustNewConstMetric(c.srcInfo, prometheus.GaugeValue, 1, s.Name, kind, s.Address)
	gauge(c.srcStatus, 1, string(s.Status))
	gauge(c.srcReachable, boolValue(s.Reachable))
	gauge(c.srcSelected, boolValue(s.Selected))
	if s.ErrorBound != estimator.UnknownBound {
		gauge(c.srcOffset, s.Offset.Seconds())
		gauge(c.srcBound, s.ErrorBound.Seconds())
		gauge(c.srcRootDistance, s.BoundParts.RootDistance.Seconds())
	}
	if !s.LastSample.IsZero() {
		gauge(c.srcLastOffset, s.LastOffset.Seconds())
		gauge(c.srcDelay, s.Delay.Seconds())
		gauge(c.srcStratum, float64(s.Stratum))
		gauge(c.srcLast, unixSeconds(s.LastSample))
	}
	results := []estimator.Result{estimator.ResultOK}
	for r := range s.Results {
		if r == estimator.ResultOK {
			continue
		}
		results = append(results, r)
	}
	slices.Sort(results)
	for _, r := range results {
		ch <- prometheus.MustNewConstMetric(c.srcSamples, prometheus.CounterValue, float64(s.Results[r]), s.Name, kind, string(r))
	}
	c.collectAuth(ch, s)
}

// collectAuth sends how a source is authenticated and, if it is, its
// authentication counters.
func (c *Collector) collectAuth(ch chan<- prometheus.Metric, s estimator.SourceEstimate) {
	mode, kind := AuthenticationOf(s.SourceInfo), string(s.Kind)
	ch <- prometheus.MustNewConstMetric(c.srcAuthenticated, prometheus.GaugeValue, boolValue(mode != estimator.AuthNone), s.Name, kind, mode)
	if mode == estimator.AuthNone {
		return
	}
	counter := func(d *prometheus.Desc, v uint64) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v), s.Name, kind)
	}
	counter(c.srcBadMACs, s.Auth.BadMACs)
	counter(c.srcNAKs, s.Auth.NAKs)
	if mode != estimator.AuthNTS {
		return
	}
	counter(c.srcKeyExchanges, s.Auth.KeyExchanges)
	counter(c.srcKEFailures, s.Auth.KEFailures)
	counter(c.srcCookieRefreshes, s.Auth.CookieRefreshes)
	ch <- prometheus.MustNewConstMetric(c.srcCookies, prometheus.GaugeValue, float64(s.Auth.Cookies), s.Name, kind)
}

// collectBoundParts sends the parts of the error bound.
func (c *Collector) collectBoundParts(ch chan<- prometheus.Metric, p estimator.BoundParts) {
	for _, part := range []struct {
		name string
		d    time.Duration
	}{
		{"measurement", p.Measurement},
		{"root_distance", p.RootDistance},
		{"drift_growth", p.DriftGrowth},
		{"selection", p.Selection},
	} {
		ch <- prometheus.MustNewConstMetric(c.boundPart, prometheus.GaugeValue, part.d.Seconds(), part.name)
	}
}

func boolValue(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

func unixSeconds(t time.Time) float64 { return float64(t.UnixNano()) / 1e9 }
