package ntp

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/netip"
	"strconv"
	"time"

	"github.com/clockwatch/clockwatch/estimator"
	"github.com/clockwatch/clockwatch/internal/hostport"
	"github.com/clockwatch/clockwatch/internal/localclock"
)

// DefaultPort is the NTP port used when a server is named without one.
const DefaultPort = 123

// The agent's poll schedule: what a zero PollConfig field means. The
// simulator (internal/sim) polls its servers with the same schedule.
const (
	// DefaultPollInterval is the time between queries of one server.
	DefaultPollInterval = 16 * time.Second
	// DefaultPollSpread randomizes each interval by ±10%, so that a fleet
	// does not poll in lock-step.
	DefaultPollSpread = 0.1
	// DefaultBurst queries are sent at start-up, DefaultBurstSpacing
	// apart (or a quarter of the poll interval, when that is shorter: the
	// burst fits in the first interval), to converge fast. The burst's
	// span is all the estimator has to measure the drift with until the
	// next poll, and a drift measured over 0.75 s of LAN samples is tens
	// of ppm off: carried over a 64 s interval, that put the point 0.5 ms
	// off (median) and up to 3.5 ms; over 6 s, 70 µs and 0.4 ms. 2 s is
	// also chronyd's iburst spacing, and what servers' rate limits (ntpd's
	// discard minimum) let pass.
	DefaultBurst        = 4
	DefaultBurstSpacing = 2 * time.Second
)

// BurstSpacing is the default time between the start-up burst's queries
// at poll interval interval: DefaultBurstSpacing, or interval/4 when that
// is shorter, so that the burst fits in the first interval.
func BurstSpacing(interval time.Duration) time.Duration {
	return min(DefaultBurstSpacing, interval/4)
}

// PollConfig schedules a Source's queries. Zero fields take the defaults.
type PollConfig struct {
	// Interval between queries (default DefaultPollInterval).
	Interval time.Duration
	// Spread randomizes each interval by ±Spread (default
	// DefaultPollSpread).
	Spread float64
	// Burst is how many queries are sent at start-up (default
	// DefaultBurst), Spacing apart (default DefaultBurstSpacing, or
	// Interval/4 when that is shorter), to converge fast.
	Burst   int
	Spacing time.Duration
	// MaxBackoff caps the interval while the server is unreachable or
	// asks us to slow down (default 32 × Interval).
	MaxBackoff time.Duration
	// BackoffGrace is how long a server may fail to answer before its
	// polls back off (default DefaultBackoffGrace), when the 8 polls that
	// make it unreachable take less.
	BackoffGrace time.Duration
}

func (c PollConfig) withDefaults() PollConfig {
	if c.Interval <= 0 {
		c.Interval = DefaultPollInterval
	}
	if c.Spread <= 0 || c.Spread >= 1 {
		c.Spread = DefaultPollSpread
	}
	if c.Burst <= 0 {
		c.Burst = DefaultBurst
	}
	if c.Spacing <= 0 {
		c.Spacing = BurstSpacing(c.Interval)
	}
	if c.MaxBackoff < c.Interval {
		c.MaxBackoff = 32 * c.Interval
	}
	if c.BackoffGrace <= 0 {
		c.BackoffGrace = DefaultBackoffGrace
	}
	return c
}

// unreachableAfter is how many failed polls in a row make a server
// unreachable (NTP's 8-bit reach register) and start the back-off.
const unreachableAfter = 8

// maxRateFactor caps how far kiss-o'-death RATE slows polling.
const maxRateFactor = 64

// rateDecayPolls is how many usable replies after a kiss-o'-death RATE
// halve its slow-down: a server content with the slower polls lets the
// interval return, step by step, to the configured one.
const rateDecayPolls = 8

// slowdown is the factor kiss-o'-death RATE puts on a source's interval.
// Each RATE doubles it (up to maxRateFactor); every rateDecayPolls usable
// replies in a row halve it, back to 1. RFC 5905 asks a client to slow
// down on RATE, not to stay slow for ever: chrony only delays its next
// poll.
type slowdown struct {
	factor int
	// good counts usable replies since the last change of factor.
	good int
}

// kissed records a kiss-o'-death RATE.
func (s *slowdown) kissed() {
	s.factor, s.good = min(max(s.factor, 1)*2, maxRateFactor), 0
}

// answered records a usable reply and reports whether it eased the
// slow-down.
func (s *slowdown) answered() bool {
	if s.factor <= 1 {
		return false
	}
	if s.good++; s.good < rateDecayPolls {
		return false
	}
	s.factor, s.good = s.factor/2, 0
	return true
}

// of returns the factor on the interval: at least 1.
func (s *slowdown) of() int { return max(s.factor, 1) }

// Source polls one NTP server and reports an Observation per poll.
type Source struct {
	info   estimator.SourceInfo
	host   string
	port   uint16
	cfg    PollConfig
	logger *slog.Logger

	client  *Client
	auth    Authenticator
	query   func(ctx context.Context, addr netip.AddrPort) (Exchange, error)
	resolve func(ctx context.Context, host string) (netip.Addr, error)
	// sleep waits between polls; nil: Run's own loop's (newLoop),
	// localclock.Sleep in Burst.
	sleep func(ctx context.Context, d time.Duration) error
	rng   *rand.Rand
}

// NewSource returns a source for server, written HOST or HOST:PORT (IPv6
// literals in brackets), named by its HOST:PORT. kind is estimator.KindNTP
// for upstream servers or estimator.KindPeer for other agents. A nil
// logger discards.
func NewSource(server string, kind estimator.Kind, cfg PollConfig, client *Client, logger *slog.Logger) (*Source, error) {
	return NewNamedSource("", server, kind, cfg, client, logger)
}

// NewNamedSource is NewSource with a name for the status, the metrics and
// the log that differs from the server's address ("" names it by its
// HOST:PORT, as NewSource does); the address stays in Info().Address.
func NewNamedSource(name, server string, kind estimator.Kind, cfg PollConfig, client *Client, logger *slog.Logger) (*Source, error) {
	host, port, err := SplitHostPort(server)
	if err != nil {
		return nil, err
	}
	address := net.JoinHostPort(host, strconv.Itoa(int(port)))
	if name == "" {
		name = address
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	logger = logger.With("source", name)
	if name != address {
		logger = logger.With("address", address)
	}
	return &Source{
		info:    estimator.SourceInfo{Name: name, Kind: kind, Address: address},
		host:    host,
		client:  client,
		port:    port,
		cfg:     cfg.withDefaults(),
		logger:  logger,
		query:   client.Query,
		resolve: resolveHost,
		rng:     rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64())),
	}, nil
}

// SplitHostPort parses HOST or HOST:PORT, defaulting to port 123. HOST
// must be an IP address or a DNS name; it is not resolved.
func SplitHostPort(server string) (string, uint16, error) {
	host, port, err := hostport.Split(server, DefaultPort)
	if err != nil {
		return "", 0, fmt.Errorf("ntp: server %w", err)
	}
	return host, port, nil
}

// Authenticate makes every exchange of the source authenticated by auth
// (NTS or a symmetric key): a reply that fails is never a sample. For NTS,
// the source's address is the key-exchange server's.
func (s *Source) Authenticate(auth Authenticator) {
	s.auth, s.info.Authentication = auth, auth.Mode()
	s.query = func(ctx context.Context, addr netip.AddrPort) (Exchange, error) {
		return s.client.QueryAuthenticated(ctx, addr, auth)
	}
}

// AuthStats counts the source's authentication events; zero when it is
// not authenticated.
func (s *Source) AuthStats() estimator.AuthCounters {
	if s.auth == nil {
		return estimator.AuthCounters{}
	}
	return s.auth.Stats()
}

// withAuth adds the authentication counters to an observation.
func (s *Source) withAuth(o estimator.Observation) estimator.Observation {
	if s.auth != nil {
		st := s.auth.Stats()
		o.Auth = &st
	}
	return o
}

// Info names the source for the estimator.
func (s *Source) Info() estimator.SourceInfo { return s.info }

// Run polls until ctx ends or the server sends a kiss-o'-death DENY or
// RSTR, reporting every poll.
func (s *Source) Run(ctx context.Context, report func(estimator.Observation)) {
	if s.auth != nil {
		inner := report
		report = func(o estimator.Observation) { inner(s.withAuth(o)) }
	}
	sleep := s.sleep
	if sleep == nil {
		var release func()
		ctx, sleep, release = newLoop(ctx)
		defer release()
	}
	var addr netip.AddrPort
	burst, failures := s.cfg.Burst, 0
	var rate slowdown
	for ctx.Err() == nil {
		if !addr.IsValid() || failures >= unreachableAfter {
			if ip, err := s.resolve(ctx, s.host); err == nil {
				addr = netip.AddrPortFrom(ip, s.port)
			} else if !addr.IsValid() {
				failures++
				s.noteFailure(failures, err)
				report(estimator.Observation{Source: s.info.Name, Result: ResultNetworkError, Err: err, Poll: s.cfg.slowed(failures, rate.of())})
			}
		}
		if addr.IsValid() {
			obs := s.poll(ctx, addr)
			if ctx.Err() != nil {
				return
			}
			switch kiss, _ := IsKoD(obs.Err); {
			case obs.Result == estimator.ResultOK:
				if failures >= unreachableAfter {
					s.logger.Info("server reachable again")
				}
				failures = 0
				if rate.answered() {
					s.logger.Info("server content with the slower polls: easing the kiss-o'-death RATE slow-down", "interval_factor", rate.of())
				}
			case kiss == KissDeny || kiss == KissRstr:
				obs.Stop = true
				obs.Err = fmt.Errorf("stopped querying %s: it sent kiss-o'-death %s (access denied or restricted; ask its operator or remove it from the configuration)", s.info.Address, kiss)
				s.logger.Error("server refuses service", "err", obs.Err)
				report(obs)
				return
			case kiss == KissRate:
				rate.kissed()
				failures++
				s.logger.Warn("server asks to poll less often (kiss-o'-death RATE)", "interval_factor", rate.of())
			default:
				failures++
				s.noteFailure(failures, obs.Err)
			}
			obs.Poll = s.cfg.slowed(failures, rate.of())
			report(obs)
		}
		if err := sleep(ctx, s.nextWait(&burst, failures, rate.of())); err != nil {
			return
		}
	}
}

// Burst polls count times, spacing apart, and returns the observations: a
// one-shot measurement (`clockwatch query`). It stops early on a
// kiss-o'-death.
func (s *Source) Burst(ctx context.Context, count int, spacing time.Duration) []estimator.Observation {
	ip, err := s.resolve(ctx, s.host)
	if err != nil {
		return []estimator.Observation{{Source: s.info.Name, Result: ResultNetworkError, Err: err}}
	}
	addr := netip.AddrPortFrom(ip, s.port)
	sleep := s.sleep
	if sleep == nil {
		sleep = localclock.Sleep
	}
	var out []estimator.Observation
	for i := range count {
		if i > 0 && sleep(ctx, spacing) != nil {
			break
		}
		o := s.withAuth(s.poll(ctx, addr))
		out = append(out, o)
		if _, kod := IsKoD(o.Err); kod {
			break
		}
	}
	return out
}

// poll runs one query and turns it into an observation.
func (s *Source) poll(ctx context.Context, addr netip.AddrPort) estimator.Observation {
	x, err := s.query(ctx, addr)
	if err == nil {
		var smp estimator.Sample
		if smp, err = x.Sample(s.info.Name); err == nil {
			return estimator.Observation{Source: s.info.Name, Result: estimator.ResultOK, Sample: smp}
		}
		err = fmt.Errorf("ntp: reply from %s rejected: %w", addr, err)
	}
	return estimator.Observation{Source: s.info.Name, Result: ResultOf(err), Err: err}
}

// noteFailure logs quietly, except when the server becomes unreachable.
func (s *Source) noteFailure(failures int, err error) {
	if failures == unreachableAfter {
		s.logger.Warn("server unreachable: no usable reply to the last polls", "polls", failures, "err", err)
		return
	}
	s.logger.Debug("poll failed", "err", err)
}

// nextWait is the time until the next poll (PollConfig.Wait); it counts
// down the start-up burst.
func (s *Source) nextWait(burst *int, failures, rate int) time.Duration {
	wait := s.cfg.Wait(*burst, failures, rate, s.rng)
	if *burst > 1 {
		*burst--
	}
	return wait
}

// Wait is the time from one poll to the next, as a Source waits it: while
// burst, the start-up queries left counting the one just sent, is above 1,
// the burst's spacing; then the poll interval, slowed by back-off after
// failures polls in a row gave no usable reply and by the kiss-o'-death
// RATE factor rate (1: none), randomized by ±Spread with rng. A
// simulation schedules its polls with it.
func (c PollConfig) Wait(burst, failures, rate int, rng *rand.Rand) time.Duration {
	c = c.withDefaults()
	if burst > 1 {
		return c.Spacing
	}
	jitter := 1 + c.Spread*(2*rng.Float64()-1)
	return time.Duration(float64(c.slowed(failures, rate)) * jitter)
}

// slowed is the poll interval after the start-up burst, before
// randomization: the configured one, slowed by back-off and kiss-o'-death
// RATE.
func (c PollConfig) slowed(failures, rate int) time.Duration {
	wait := c.Interval * time.Duration(max(rate, 1))
	if from := c.backoffAfter(); failures >= from {
		wait <<= min(failures-from+1, 10)
	}
	return min(wait, c.MaxBackoff)
}

// DefaultBackoffGrace is how long a server may fail to answer before its
// polls back off, when unreachableAfter polls take less: outages of a
// minute or two (a link that flaps, a router that restarts) are common,
// and polling on through them finds the servers again at once, where
// backing off after 8 s of 1 s polls left them unpolled for up to 32 s
// after a 60 s outage ended.
const DefaultBackoffGrace = 2 * time.Minute

// backoffAfter is how many failed polls in a row start the back-off:
// those that make a server unreachable, or as many as last BackoffGrace.
func (c PollConfig) backoffAfter() int {
	return max(unreachableAfter, int((c.BackoffGrace+c.Interval-1)/c.Interval))
}

// resolveHost looks host up, preferring IPv4 when it has both.
func resolveHost(ctx context.Context, host string) (netip.Addr, error) {
	if ip, err := netip.ParseAddr(host); err == nil {
		return ip, nil
	}
	ips, err := net.DefaultResolver.LookupNetIP(ctx, "ip", host)
	if err != nil {
		return netip.Addr{}, fmt.Errorf("ntp: resolve %s: %w (check the name and DNS)", host, err)
	}
	for _, ip := range ips {
		if ip.Unmap().Is4() {
			return ip.Unmap(), nil
		}
	}
	return ips[0], nil
}
