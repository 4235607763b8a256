package exporters

import (
	"math"
	"net/netip"
	"time"

	"github.com/clockwatch/clockwatch/estimator"
	"github.com/clockwatch/clockwatch/ntp"
	"github.com/prometheus/client_golang/prometheus"
)

// PeerCollector exports what the peer mesh sees of this host and the mesh's
// verdict on it (ntp.PeerView). It reads the current estimate at scrape
// time; only the peers of the current sample are in it, so the {peer} label
// set is bounded by the sample size.
type PeerCollector struct {
	current   func() estimator.Estimate
	maxOffset time.Duration

	offset, offsetError, beyond, maxAbs, maxProvable, reachable, currentPeers, outlier *prometheus.Desc
}

// NewPeerCollector returns a collector of the peers in the estimates
// current returns; maxOffset is --peers.max-offset.
func NewPeerCollector(current func() estimator.Estimate, maxOffset time.Duration) *PeerCollector {
	return &PeerCollector{
		current:   current,
		maxOffset: maxOffset,
		offset: prometheus.NewDesc(namespace+"_peer_offset_seconds",
			"This host's clock minus a peer agent's clock (positive: this host is ahead), from the newest measurement, for the peers of the current sample.", []string{"peer"}, nil),
		offsetError: prometheus.NewDesc(namespace+"_peer_offset_error_seconds",
			"How far clockwatch_peer_offset_seconds may be from the true difference of the two clocks: half the measurement's round trip, plus how far the clocks may have moved apart since (this host's drift uncertainty, 1 ppm for the peer's). What mesh inference (clockwatch-mesh) weighs each measurement by. +Inf when the measurement is not current (the peer did not answer its last poll, its last answer is more than 2 poll intervals old, or this host's clock stepped since): a step of either clock may have moved it by any amount.", []string{"peer"}, nil),
		beyond: prometheus.NewDesc(namespace+"_peer_beyond_max_offset",
			"1 when a peer's current measurement puts its clock off this host's by more than --peers.max-offset (plus clockwatch_peer_offset_error_seconds); the host most peers flag is the outlier.", []string{"peer"}, nil),
		maxAbs: prometheus.NewDesc(namespace+"_peer_offset_max_abs_seconds",
			"Largest |clockwatch_peer_offset_seconds| among the peers with a current measurement (clockwatch_peers_current).", nil, nil),
		maxProvable: prometheus.NewDesc(namespace+"_peer_offset_max_provable_seconds",
			"Largest |clockwatch_peer_offset_seconds| - clockwatch_peer_offset_error_seconds among the peers with a current measurement, or 0: the least skew the mesh proves between this host and a peer. One series per agent, for fleet rules.", nil, nil),
		reachable: prometheus.NewDesc(namespace+"_peers_reachable",
			"Peers of the current sample that answered at least one of their last 8 polls.", nil, nil),
		currentPeers: prometheus.NewDesc(namespace+"_peers_current",
			"Reachable peers whose newest measurement is current: the peer answered its last poll, at most 2 of its poll intervals ago, and this host's clock has not stepped since. Only these vote in clockwatch_peer_outlier.", nil, nil),
		outlier: prometheus.NewDesc(namespace+"_peer_outlier",
			"1 when more than half of the peers with a current measurement see this host's clock beyond --peers.max-offset; /healthz then fails.", nil, nil),
	}
}

// Describe sends every metric description.
func (c *PeerCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.offset, c.offsetError, c.beyond, c.maxAbs, c.maxProvable, c.reachable, c.currentPeers, c.outlier} {
		ch <- d
	}
}

// Collect sends the peer metrics of the current estimate.
func (c *PeerCollector) Collect(ch chan<- prometheus.Metric) {
	v := ntp.ViewPeers(c.current(), c.maxOffset)
	for _, p := range v.Peers {
		ch <- prometheus.MustNewConstMetric(c.offset, prometheus.GaugeValue, p.Pairwise.Seconds(), p.Name)
		ch <- prometheus.MustNewConstMetric(c.offsetError, prometheus.GaugeValue, peerErrorSeconds(p.Error), p.Name)
		ch <- prometheus.MustNewConstMetric(c.beyond, prometheus.GaugeValue, boolValue(p.Beyond), p.Name)
	}
	ch <- prometheus.MustNewConstMetric(c.maxAbs, prometheus.GaugeValue, v.MaxAbs.Seconds())
	ch <- prometheus.MustNewConstMetric(c.maxProvable, prometheus.GaugeValue, v.MaxProvable.Seconds())
	ch <- prometheus.MustNewConstMetric(c.reachable, prometheus.GaugeValue, float64(v.Reachable))
	ch <- prometheus.MustNewConstMetric(c.currentPeers, prometheus.GaugeValue, float64(v.Current))
	ch <- prometheus.MustNewConstMetric(c.outlier, prometheus.GaugeValue, boolValue(v.Outlier()))
}

// peerErrorSeconds is a peer offset's error in seconds, +Inf when it is
// unknown (the measurement is not current).
func peerErrorSeconds(d time.Duration) float64 {
	if d == estimator.UnknownBound {
		return math.Inf(1)
	}
	return d.Seconds()
}

// ResponderCollector exports the peer responder's request counters and
// the addresses it answers on.
type ResponderCollector struct {
	stats     func() ntp.ResponderStats
	addresses []netip.AddrPort
	address   *prometheus.Desc
	requests  *prometheus.Desc
	received  *prometheus.Desc
	sent      *prometheus.Desc
	kernel    *prometheus.Desc
}

// NewResponderCollector returns a collector of the counters stats returns
// and of addresses, those the responder answers on (ntp.SelfAddresses).
func NewResponderCollector(stats func() ntp.ResponderStats, addresses []netip.AddrPort) *ResponderCollector {
	return &ResponderCollector{
		stats:     stats,
		addresses: addresses,
		address: prometheus.NewDesc(namespace+"_responder_address_info",
			"An address this agent's peer responder answers on, as its peers name it; always 1. clockwatch-mesh tells by it which host a peer is.", []string{"address"}, nil),
		requests: prometheus.NewDesc(namespace+"_responder_requests_total",
			"NTP requests the peer responder received, by what it did: answered, leaked (over the rate limit, answered anyway by the random leak that keeps a spoofed flood from silencing an address), kod (over the rate limit: kiss-o'-death RATE), dropped (over the rate limit, not answered), invalid (not a client-mode request).", []string{"result"}, nil),
		received: prometheus.NewDesc(namespace+"_responder_received_bytes_total",
			"UDP payload bytes of every datagram the peer responder received.", nil, nil),
		sent: prometheus.NewDesc(namespace+"_responder_sent_bytes_total",
			"UDP payload bytes of the peer responder's replies; never more than it received.", nil, nil),
		kernel: prometheus.NewDesc(namespace+"_responder_kernel_timestamps",
			"1 when the peer responder's receive timestamps come from the kernel, 0 when from user space.", nil, nil),
	}
}

// Describe sends every metric description.
func (c *ResponderCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.address
	ch <- c.requests
	ch <- c.received
	ch <- c.sent
	ch <- c.kernel
}

// Collect sends the responder's counters and addresses.
func (c *ResponderCollector) Collect(ch chan<- prometheus.Metric) {
	for _, a := range c.addresses {
		ch <- prometheus.MustNewConstMetric(c.address, prometheus.GaugeValue, 1, a.String())
	}
	s := c.stats()
	for _, r := range []struct {
		result string
		n      uint64
	}{{"answered", s.Answered}, {"leaked", s.Leaked}, {"dropped", s.Dropped}, {"invalid", s.Invalid}, {"kod", s.KissOfDeath}} {
		ch <- prometheus.MustNewConstMetric(c.requests, prometheus.CounterValue, float64(r.n), r.result)
	}
	ch <- prometheus.MustNewConstMetric(c.received, prometheus.CounterValue, float64(s.BytesIn))
	ch <- prometheus.MustNewConstMetric(c.sent, prometheus.CounterValue, float64(s.BytesOut))
	ch <- prometheus.MustNewConstMetric(c.kernel, prometheus.GaugeValue, boolValue(s.KernelTimestamps))
}
