package discipline

import "github.com/prometheus/client_golang/prometheus"

// Collector exports the discipline's state as Prometheus metrics, read
// from Stats at every scrape.
type Collector struct {
	d               *Discipline
	frequency, slew *prometheus.Desc
	updates, steps  *prometheus.Desc
}

// NewCollector returns the collector of d.
func NewCollector(d *Discipline) *Collector {
	return &Collector{
		d:         d,
		frequency: prometheus.NewDesc("clockwatch_discipline_frequency_ratio", "Frequency correction the discipline keeps in the kernel, drift correction and slew together (positive: the clock is made to run faster).", nil, nil),
		slew:      prometheus.NewDesc("clockwatch_discipline_slew_ratio", "Part of the frequency correction that is slewing an offset away.", nil, nil),
		updates:   prometheus.NewDesc("clockwatch_discipline_updates_total", "Times the discipline steered the clock after a new sample.", nil, nil),
		steps:     prometheus.NewDesc("clockwatch_discipline_steps_total", "Times the discipline stepped the clock.", nil, nil),
	}
}

// Describe sends the metrics' descriptions.
func (c *Collector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.frequency
	ch <- c.slew
	ch <- c.updates
	ch <- c.steps
}

// Collect sends the current values.
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	s := c.d.Stats()
	ch <- prometheus.MustNewConstMetric(c.frequency, prometheus.GaugeValue, s.Frequency)
	ch <- prometheus.MustNewConstMetric(c.slew, prometheus.GaugeValue, s.SlewRate)
	ch <- prometheus.MustNewConstMetric(c.updates, prometheus.CounterValue, float64(s.Updates))
	ch <- prometheus.MustNewConstMetric(c.steps, prometheus.CounterValue, float64(s.Steps))
}
