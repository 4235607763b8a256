package agent

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/netip"
	"strconv"
	"time"

	"github.com/clockwatch/clockwatch/estimator"
	"github.com/clockwatch/clockwatch/ntp"
	"github.com/clockwatch/clockwatch/ntp/symkey"
	"github.com/prometheus/client_golang/prometheus"
)

// ResponderConfig is the peer responder: the socket other agents measure
// this one on. It lives as long as the process, so a reload keeps it.
type ResponderConfig struct {
	// Listen is HOST, HOST:PORT or :PORT (port ntp.DefaultResponderPort
	// by default); empty: no responder, and peers cannot measure this host.
	Listen string
	// Rate is the requests per second each source address may send, Burst
	// how many at once, Leak the share of requests past the limit still
	// answered (one in 2^Leak; ntp.RateLimit); a Rate of 0 is no limit.
	Rate        float64
	Burst, Leak int
	// NTS, when its certificate is set, serves NTS beside the responder.
	NTS ResponderNTSConfig
}

// validate checks what can be checked before anything listens: NTS is
// served beside the responder, never without it.
func (c ResponderConfig) validate() error {
	if c.Listen == "" && (c.NTS.Certificate != "" || c.NTS.Key != "") {
		return errors.New("--responder.nts.certificate and --responder.nts.key need --responder.listen-address: the NTS key exchange hands out cookies for the responder, which is off")
	}
	return nil
}

// rateLimit is the responder's token bucket.
func (c ResponderConfig) rateLimit() *ntp.RateLimit {
	if c.Rate <= 0 {
		return nil
	}
	return &ntp.RateLimit{Rate: c.Rate, Burst: c.Burst, Leak: c.Leak}
}

// responderAddress parses the listen address, adding the default port when
// it names none.
func responderAddress(s string) (*net.UDPAddr, error) {
	if _, _, err := net.SplitHostPort(s); err != nil {
		s = net.JoinHostPort(s, strconv.Itoa(ntp.DefaultResponderPort))
	}
	addr, err := net.ResolveUDPAddr("udp", s)
	if err != nil {
		return nil, fmt.Errorf("--responder.listen-address %q: %w (give HOST, HOST:PORT or :PORT)", s, err)
	}
	return addr, nil
}

// responder is the agent's running peer responder; nil when there is none.
type responder struct {
	r           *ntp.Responder
	listen      netip.AddrPort
	authMetrics prometheus.Collector
}

// startResponder answers peers with the local clock, advertising the
// agent's estimate (current), until ctx ends; it answers requests signed
// with keys (nil: none) and, with c.NTS, NTS. It returns nil when c has no
// listen address.
func startResponder(ctx context.Context, c ResponderConfig, clock Clock, mode PeersMode, current func() estimator.Estimate, keys *symkey.Keys, logger *slog.Logger) (*responder, error) {
	if c.Listen == "" {
		return nil, nil
	}
	addr, err := responderAddress(c.Listen)
	if err != nil {
		return nil, err
	}
	conn, err := net.ListenUDP("udp", addr)
	if err != nil {
		return nil, fmt.Errorf("responder: listen on %s: %w (use --responder.listen-address to pick another address)", addr, err)
	}
	local := conn.LocalAddr().(*net.UDPAddr).AddrPort()
	consensus := mode == PeersConsensus
	r := &ntp.Responder{Clock: clock, Quality: func() ntp.Quality { return ntp.QualityOf(current(), consensus) }, Limit: c.rateLimit()}
	authMetrics, err := authenticateResponder(ctx, r, c.NTS, keys, local.Port(), logger)
	if err != nil {
		conn.Close()
		return nil, err
	}
	go func() {
		defer conn.Close()
		if err := r.Serve(ctx, conn); err != nil {
			logger.Error("peer responder stopped; peers can no longer measure this host", "err", err)
		}
	}()
	logger.Info("answering peers", "address", local.String(), "rate_limit", c.Rate, "burst", c.Burst, "leak", c.Leak)
	return &responder{r: r, listen: local, authMetrics: authMetrics}, nil
}

// self lists the addresses this agent answers peers on.
func (r *responder) self() ([]netip.AddrPort, error) {
	if r == nil {
		return nil, nil
	}
	return ntp.SelfAddresses(r.listen)
}

// runningMesh is a peer mesh at work: it sends every new sample until
// stopped.
type runningMesh struct {
	samples <-chan []netip.AddrPort
	stop    context.CancelFunc
}

// startPeerMesh discovers peers as c says and sends every new sample until
// ctx ends or stop is called. self lists the addresses of this agent's
// responder.
func startPeerMesh(ctx context.Context, c PeersConfig, self func() ([]netip.AddrPort, error), logger *slog.Logger) runningMesh {
	ctx, stop := context.WithCancel(ctx)
	samples := make(chan []netip.AddrPort)
	running := runningMesh{samples: samples, stop: stop}
	if !c.enabled() {
		return running
	}
	mesh := &ntp.PeerMesh{
		Discovery: c.discovery(),
		Sample:    ntp.NewPeerSample(c.Sample, rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64()))),
		Refresh:   c.Refresh,
		Rotate:    c.Rotate,
		Self:      self,
		Logger:    logger.With("component", "peers"),
	}
	go mesh.Run(ctx, func(sample []netip.AddrPort) {
		logger.Info("peer sample", "peers", sample)
		select {
		case samples <- sample:
		case <-ctx.Done():
		}
	})
	return running
}

// peerOutlierCheck fails while most peers with a current measurement see
// this host beyond maxOffset (ntp.PeerView).
func peerOutlierCheck(maxOffset time.Duration) HealthCheck {
	return func(e estimator.Estimate) error { return ntp.ViewPeers(e, maxOffset).Err() }
}
