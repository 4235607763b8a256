package ptp

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"time"

	"github.com/clockwatch/clockwatch/estimator"
	"github.com/clockwatch/clockwatch/internal/localclock"
	"github.com/clockwatch/clockwatch/internal/sourcestate"
	"github.com/facebook/time/ptp/protocol"
)

// Results of a PTP client poll that gave no sample, as metric labels.
const (
	ResultNoGrandmaster estimator.Result = "no_grandmaster" // nothing PTP answers at the address
	ResultTimeout       estimator.Result = "timeout"        // the grandmaster stopped answering mid-exchange
	ResultNegativeDelay estimator.Result = "negative_delay" // timestamps that cannot all be right
)

// ClientConfig configures a ClientSource. Zero fields take the defaults.
type ClientConfig struct {
	// Interval between measurements (default 1s).
	Interval time.Duration
	// Timeout for one exchange (default 5s: a grandmaster may send one
	// Sync every two seconds).
	Timeout time.Duration
	// AnnounceWait is how long to listen for a multicast Announce before
	// asking for unicast service (default 5s: two Announces at ptp4l's
	// default interval).
	AnnounceWait time.Duration
	// Clock is the local clock (default the system clock): the client's
	// timestamps, taken on the system clock or carried over to it from the
	// NIC's PHC, are placed on it.
	Clock func() time.Time
}

func (c ClientConfig) withDefaults() ClientConfig {
	if c.Interval <= 0 {
		c.Interval = time.Second
	}
	if c.Timeout <= 0 {
		c.Timeout = 5 * time.Second
	}
	if c.AnnounceWait <= 0 {
		c.AnnounceWait = 5 * time.Second
	}
	return c
}

// openTransport opens the client's sockets on iface, from local, to
// server: multicast (the PTP group) or unicast.
type openTransport func(iface *net.Interface, local, server netip.Addr, multicast bool) (transport, error)

// ClientSource measures this host's clock against a PTP grandmaster with
// its own two-step end-to-end exchanges: it listens for the grandmaster's
// multicast Sync/Follow_Up, or asks for unicast service when there is
// none, and sends Delay_Req. Kernel timestamps are used, hardware ones
// when the NIC already takes them and its PHC can be read. It never
// steers a clock, and shares the PTP ports with a ptp4l on the same host
// in multicast mode.
type ClientSource struct {
	info   estimator.SourceInfo
	server string
	cfg    ClientConfig
	logger *slog.Logger

	open    openTransport
	route   func(server netip.Addr) (*net.Interface, netip.Addr, error)
	resolve func(ctx context.Context, host string) (netip.Addr, error)
	openPHC func(name string) (PHC, error)
	now     func() time.Time
	sleep   func(ctx context.Context, d time.Duration) error
	port    protocol.PortIdentity

	sess   *session
	iface  string
	window offsetWindow
	state  *sourcestate.Tracker
}

// NewClientSource returns a source for the grandmaster at server (a host
// name or address). A nil logger discards.
func NewClientSource(server string, cfg ClientConfig, logger *slog.Logger) (*ClientSource, error) {
	if server == "" || net.ParseIP(server) == nil && !validHostName(server) {
		return nil, fmt.Errorf("ptp: server %q is not a host name or IP address", server)
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	name := "ptp:" + server
	return &ClientSource{
		info:    estimator.SourceInfo{Name: name, Kind: estimator.KindPTP, Address: server},
		server:  server,
		cfg:     cfg.withDefaults(),
		logger:  logger.With("source", name),
		state:   sourcestate.New(logger.With("source", name), "PTP grandmaster"),
		open:    openSockets,
		route:   routeTo,
		resolve: resolveHost,
		openPHC: OpenPHC,
		now:     localclock.System,
		sleep:   localclock.Sleep,
		port:    protocol.PortIdentity{ClockIdentity: randomClockIdentity(), PortNumber: 1},
	}, nil
}

// Info names the source for the estimator.
func (s *ClientSource) Info() estimator.SourceInfo { return s.info }

// Run measures every interval until ctx ends.
func (s *ClientSource) Run(ctx context.Context, report func(estimator.Observation)) {
	defer s.disconnect()
	for ctx.Err() == nil {
		obs := s.poll(ctx)
		if ctx.Err() != nil {
			return
		}
		obs.Poll = s.cfg.Interval
		report(obs)
		if s.sleep(ctx, s.cfg.Interval) != nil {
			return
		}
	}
}

// poll measures once, finding the grandmaster first if needed.
func (s *ClientSource) poll(ctx context.Context) estimator.Observation {
	if s.sess == nil {
		if err := s.connect(ctx); err != nil {
			return s.state.Fail(s.info.Name, ResultNoGrandmaster, err)
		}
	}
	x, err := s.sess.measure(s.now().Add(s.cfg.Timeout))
	if err != nil {
		s.disconnect()
		if errors.Is(err, os.ErrDeadlineExceeded) {
			err = fmt.Errorf("ptp: grandmaster %s sent no complete Sync/Delay_Resp exchange in %v", s.server, s.cfg.Timeout)
		}
		return s.state.Fail(s.info.Name, ResultTimeout, err)
	}
	smp, err := s.sample(x)
	if err != nil {
		return s.state.Fail(s.info.Name, ResultNegativeDelay, err)
	}
	s.state.Set(estimator.ResultOK, nil)
	return estimator.Observation{Source: s.info.Name, Result: estimator.ResultOK, Sample: smp}
}

// connect finds the grandmaster: first by its multicast Announces, then
// by asking it for unicast service.
func (s *ClientSource) connect(ctx context.Context) error {
	server, err := s.resolve(ctx, s.server)
	if err != nil {
		return err
	}
	iface, local, err := s.route(server)
	if err != nil {
		return err
	}
	var errs []error
	for _, multicast := range []bool{true, false} {
		t, err := s.open(iface, local, server, multicast)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		sess := newSession(t, server, s.port, !multicast, s.now)
		if err := sess.awaitGrandmaster(s.now().Add(s.cfg.AnnounceWait)); err != nil {
			t.close()
			errs = append(errs, err)
			continue
		}
		s.sess, s.iface = sess, iface.Name
		s.logger.Info("following PTP grandmaster", "grandmaster", sess.gm.identity, "unicast", !multicast, "interface", iface.Name)
		return nil
	}
	return fmt.Errorf("ptp: %w at %s via %s: no multicast Announce in %v and no unicast service (is it a PTP grandmaster? are UDP ports 319/320 open? for ptp4l set unicast_listen 1 to serve unicast): %w",
		errNoGrandmaster, s.server, iface.Name, s.cfg.AnnounceWait, errors.Join(errs...))
}

// disconnect closes the session, if any.
func (s *ClientSource) disconnect() {
	if s.sess != nil {
		_ = s.sess.t.close()
		s.sess = nil
	}
}

// sample turns an exchange into a Sample: hardware stamps when the NIC
// took them and its PHC can be read, kernel ones otherwise.
func (s *ClientSource) sample(x stamps) (estimator.Sample, error) {
	readDelay := time.Duration(0)
	if !x.t2hw.IsZero() {
		if r, ok := s.readPHC(); ok {
			if hw, ok := x.withHardware(r.Offset); ok {
				x, readDelay = hw, r.Delay
			}
		}
	}
	offset, delay := x.offset()
	if delay < 0 {
		return estimator.Sample{}, fmt.Errorf("ptp: exchange with %s has negative path delay %v (t1 %v, t2 %v, t3 %v, t4 %v)", s.server, delay, x.t1, x.t2, x.t3, x.t4)
	}
	s.window.add(offset)
	gm := s.sess.gm
	smp := estimator.Sample{
		Source:         s.info.Name,
		Time:           x.t2.Add(x.t3.Sub(x.t2) / 2),
		Offset:         offset,
		Delay:          2*delay + readDelay,
		RootDispersion: s.window.uncertainty(gm.quality.ClockAccuracy) + time.Duration(float64(x.gap())*estimator.MaxFrequencyTolerance),
		Precision:      time.Nanosecond,
		Stratum:        uint8(min(gm.stepsRemoved+1, 15)),
		Timestamping:   "kernel",
		Leap:           gm.leap,
	}
	if x.hardware {
		smp.Timestamping = "hardware"
	}
	return localclock.OnClock(s.cfg.Clock, smp), nil
}

// readPHC reads the PHC of the interface the exchange went through, when
// it has one.
func (s *ClientSource) readPHC() (PHCReading, bool) {
	phc, err := s.openPHC(s.iface)
	if err != nil {
		return PHCReading{}, false
	}
	defer phc.Close()
	r, err := phc.Read()
	return r, err == nil
}

// randomClockIdentity makes a clock identity that cannot be mistaken for
// the MAC-derived one of a ptp4l on the same host.
func randomClockIdentity() protocol.ClockIdentity {
	var b [8]byte
	_, _ = rand.Read(b[:])
	b[0] |= 0x02 // locally administered
	return protocol.ClockIdentity(binary.BigEndian.Uint64(b[:]))
}

// validHostName reports whether s can be a DNS name.
func validHostName(s string) bool {
	for _, r := range s {
		if !(r == '.' || r == '-' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			return false
		}
	}
	return len(s) <= 253
}

// resolveHost returns the first address of host.
func resolveHost(ctx context.Context, host string) (netip.Addr, error) {
	if ip, err := netip.ParseAddr(host); err == nil {
		return ip, nil
	}
	ips, err := net.DefaultResolver.LookupNetIP(ctx, "ip", host)
	if err != nil || len(ips) == 0 {
		return netip.Addr{}, fmt.Errorf("ptp: resolve %s: %w", host, err)
	}
	return ips[0].Unmap(), nil
}
