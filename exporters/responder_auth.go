package exporters

import (
	"github.com/clockwatch/clockwatch/ntp"
	"github.com/clockwatch/clockwatch/ntp/nts"
	"github.com/prometheus/client_golang/prometheus"
)

// ResponderAuthCollector exports what the responder's authentication did:
// requests answered with NTS or a symmetric key, forged ones dropped,
// NAKs sent, and the key exchanges of its NTS clients.
type ResponderAuthCollector struct {
	stats        func() ntp.ResponderStats
	keyExchanges func() nts.KEServerStats

	requests, exchanges *prometheus.Desc
}

// NewResponderAuthCollector returns a collector of the responder's
// counters and, when keyExchanges is not nil, of its NTS key exchange's.
func NewResponderAuthCollector(stats func() ntp.ResponderStats, keyExchanges func() nts.KEServerStats) *ResponderAuthCollector {
	return &ResponderAuthCollector{
		stats: stats, keyExchanges: keyExchanges,
		requests: prometheus.NewDesc(namespace+"_responder_authenticated_requests_total",
			"Requests to the responder that carried NTS fields or a MAC, by what it did: authenticated (answered with NTS or the same key), bad_authentication (forged or garbled NTS fields: dropped), nak (a cookie or key it cannot use: NTS NAK or crypto-NAK).", []string{"result"}, nil),
		exchanges: prometheus.NewDesc(namespace+"_responder_nts_key_exchanges_total",
			"NTS key exchanges of the responder's clients, by result: granted, or failed (TLS, certificate, bad request).", []string{"result"}, nil),
	}
}

// Describe sends every metric description.
func (c *ResponderAuthCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.requests
	ch <- c.exchanges
}

// Collect sends the counters.
func (c *ResponderAuthCollector) Collect(ch chan<- prometheus.Metric) {
	s := c.stats()
	for _, r := range []struct {
		result string
		n      uint64
	}{{"authenticated", s.Authenticated}, {"bad_authentication", s.BadAuthentication}, {"nak", s.NAKs}} {
		ch <- prometheus.MustNewConstMetric(c.requests, prometheus.CounterValue, float64(r.n), r.result)
	}
	if c.keyExchanges == nil {
		return
	}
	ke := c.keyExchanges()
	ch <- prometheus.MustNewConstMetric(c.exchanges, prometheus.CounterValue, float64(ke.Granted), "granted")
	ch <- prometheus.MustNewConstMetric(c.exchanges, prometheus.CounterValue, float64(ke.Failed), "failed")
}
