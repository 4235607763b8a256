package agent

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/clockwatch/clockwatch/estimator"
	"github.com/clockwatch/clockwatch/ntp"
	"github.com/clockwatch/clockwatch/ptp"
)

// Config is what the agent measures and how: its sources, how they are
// polled, and the estimator's settings. cmd/clockwatch fills it from its
// flags and configuration file; a reload hands the running agent a new one
// (Running.Reload).
type Config struct {
	// NTPServers are the upstream NTP servers, HOST or HOST:PORT.
	NTPServers []string
	// ServerNames names servers, by their entry in NTPServers, in the
	// status and the metrics (the demo's simulated servers); unnamed
	// servers go by their HOST:PORT.
	ServerNames map[string]string
	// PollInterval is the time between queries of each NTP server, peer
	// and chronyd.
	PollInterval time.Duration
	// HoldoverMax is how long the estimate is carried forward after every
	// source is lost, before the agent reports unsynchronized.
	HoldoverMax time.Duration
	// Wander is how far, as a ratio, the local clock's frequency may move
	// from the measured drift (estimator.Config.Wander); zero means the
	// estimator's default, 1 ppm.
	Wander float64
	// MaxFalsetickers is how many sources the bound allows to be wrong at
	// once (estimator.Config.MaxFalsetickers).
	MaxFalsetickers int
	// Limits are the sanity limits of NTP replies (--ntp.max-delay,
	// --ntp.max-distance).
	Limits ntp.Limits
	Peers  PeersConfig
	PTP    PTPConfig
	// ChronyAddress is the local chronyd's command socket,
	// udp://HOST:PORT or unix:///PATH; empty: none.
	ChronyAddress string
	// Auth is authenticated time: NTS servers, trust, symmetric keys.
	Auth AuthConfig
}

// PeersMode says what peers are for.
type PeersMode string

// Peer modes (--peers.mode).
const (
	// PeersSkew: peers measure pairwise skew; only upstream references
	// define true time.
	PeersSkew PeersMode = "skew"
	// PeersConsensus: no upstream; the peers' clocks form fleet consensus
	// time.
	PeersConsensus PeersMode = "consensus"
)

// DefaultPeersMaxOffset is PeersConfig.MaxOffset's default: well past the
// skew of NTP-synchronized hosts, well inside what breaks distributed
// systems.
const DefaultPeersMaxOffset = 100 * time.Millisecond

// PeersConfig is the peer mesh: which peer agents to discover, how many to
// measure at a time, and what this host makes of them.
type PeersConfig struct {
	// Static, DNS and SRV name the peers (ntp.Discovery).
	Static, DNS, SRV []string
	// Sample is how many peers are measured at a time.
	Sample int
	Mode   PeersMode
	// MaxOffset is how far off most peers must see this host before it is
	// the fleet's outlier (ntp.PeerView).
	MaxOffset time.Duration
	// Refresh is how often discovery runs again, Rotate how often a
	// quarter of the sample is swapped.
	Refresh, Rotate time.Duration
}

// PTPConfig are the PTP sources; empty fields are off.
type PTPConfig struct {
	// Ptp4lSocket is the local ptp4l's management socket.
	Ptp4lSocket string
	// PHC is a PTP hardware clock, by device or network interface.
	PHC string
	// Servers are grandmasters to measure directly.
	Servers []string
}

// errNoSources says what to configure when nothing is.
var errNoSources = errors.New("no sources: give --ntp.server HOST (repeatable) or ntp.servers in --config.file, --nts.server HOST, peers (--peer, --peers.dns, --peers.srv), " +
	"or a PTP or chronyd source (--ptp.ptp4l-socket, --ptp.phc, --ptp.server, --chrony.address)")

// ValueError is a setting whose value is out of range. Key is its dotted
// name, both the flag's (--Key) and the configuration file's key, so
// that the command that merged the two can say which one gave it.
type ValueError struct {
	Key, Value, Problem string
	// FlagOnly is set for a setting the configuration file has no key of.
	FlagOnly bool
}

func (e *ValueError) Error() string {
	if e.FlagOnly {
		return fmt.Sprintf("config: --%s=%s %s", e.Key, e.Value, e.Problem)
	}
	return fmt.Sprintf("config: --%s or %s: %s %s", e.Key, e.Key, e.Value, e.Problem)
}

// valueError is a ValueError of the setting key whose value is v.
func valueError(key string, v any, problem string, args ...any) *ValueError {
	return &ValueError{Key: key, Value: fmt.Sprint(v), Problem: fmt.Sprintf(problem, args...)}
}

// Validate checks the configuration without touching the network. A value
// out of range is a *ValueError.
func (c Config) Validate() error {
	if len(c.NTPServers) == 0 && !c.Peers.enabled() && !c.PTP.enabled() && c.ChronyAddress == "" && !c.Auth.enabled() {
		return errNoSources
	}
	if c.MaxFalsetickers < 0 {
		return &ValueError{Key: "selection.max-falsetickers", Value: fmt.Sprint(c.MaxFalsetickers), Problem: "must not be negative", FlagOnly: true}
	}
	for _, check := range []func() error{c.Peers.validate, c.PTP.validate, c.validateChrony, c.validateServers, c.Auth.validate} {
		if err := check(); err != nil {
			return err
		}
	}
	if c.PollInterval < 100*time.Millisecond || c.PollInterval > 36*time.Hour {
		return valueError("poll.interval", c.PollInterval, "is outside 100ms..36h")
	}
	if c.HoldoverMax <= 0 {
		return valueError("holdover.max", c.HoldoverMax, "must be positive")
	}
	if !(c.Wander >= 0 && c.Wander <= estimator.MaxFrequencyTolerance) {
		return valueError("holdover.wander-ppm", c.Wander*1e6, "is outside 0..%g (zero means the default, 1)", estimator.MaxFrequencyTolerance*1e6)
	}
	for _, l := range []struct {
		key string
		d   time.Duration
	}{{"ntp.max-delay", c.Limits.MaxDelay}, {"ntp.max-distance", c.Limits.MaxDistance}} {
		if l.d <= 0 || l.d > ntp.MaxLimit {
			return valueError(l.key, l.d, "is outside (0s, %v]", ntp.MaxLimit)
		}
	}
	return nil
}

// validateServers checks that every NTP server is HOST[:PORT], once.
func (c Config) validateServers() error {
	seen := map[string]bool{}
	for _, s := range c.NTPServers {
		host, port, err := ntp.SplitHostPort(s)
		if err != nil {
			return fmt.Errorf("config: --ntp.server or ntp.servers: %w", err)
		}
		key := fmt.Sprintf("%s:%d", host, port)
		if seen[key] {
			return fmt.Errorf("config: NTP server %s is listed twice", s)
		}
		seen[key] = true
	}
	return nil
}

// validateChrony checks the chronyd address.
func (c Config) validateChrony() error {
	if c.ChronyAddress == "" {
		return nil
	}
	if _, _, err := ntp.ParseChronyAddress(c.ChronyAddress); err != nil {
		return fmt.Errorf("config: %w", err)
	}
	return nil
}

// EstimatorConfig is the estimator's configuration the agent derives
// from c; the fleet simulator builds its agents' estimators with it.
func (c Config) EstimatorConfig() estimator.Config {
	return estimator.Config{
		HoldoverMax:     c.HoldoverMax,
		Wander:          c.Wander,
		StaleAfter:      max(8*c.PollInterval, 30*time.Second),
		MaxFalsetickers: c.MaxFalsetickers,
		PeersDefineTime: c.Peers.Mode == PeersConsensus,
		// Unauthenticated sources stay visible but never count.
		RequireAuthentication: c.Auth.Required,
	}
}

// enabled reports whether any peer is configured.
func (c PeersConfig) enabled() bool { return len(c.Static)+len(c.DNS)+len(c.SRV) > 0 }

// validate checks the peer configuration.
func (c PeersConfig) validate() error {
	switch {
	case c.Mode != PeersSkew && c.Mode != PeersConsensus:
		return valueError("peers.mode", fmt.Sprintf("%q", c.Mode), "is neither %s nor %s", PeersSkew, PeersConsensus)
	case c.Sample < 1:
		return valueError("peers.sample", c.Sample, "must be at least 1")
	case c.MaxOffset <= 0:
		return valueError("peers.max-offset", c.MaxOffset, "must be positive")
	case c.Refresh < time.Second:
		return valueError("peers.refresh-interval", c.Refresh, "must be at least 1s")
	case c.Rotate < time.Second:
		return valueError("peers.rotate-interval", c.Rotate, "must be at least 1s")
	case c.Mode == PeersConsensus && !c.enabled():
		return fmt.Errorf("config: peers.mode %s needs peers: give --peer, --peers.dns or --peers.srv", PeersConsensus)
	}
	for _, l := range []struct {
		flags string
		d     ntp.Discovery
	}{
		{"--peer or peers.static", ntp.Discovery{Static: c.Static}},
		{"--peers.dns or peers.dns", ntp.Discovery{DNS: c.DNS}},
		{"--peers.srv or peers.srv", ntp.Discovery{SRV: c.SRV}},
	} {
		if err := l.d.Check(); err != nil {
			return fmt.Errorf("config: %s: %w", l.flags, err)
		}
	}
	return nil
}

// discovery returns the discovery the configuration describes.
func (c PeersConfig) discovery() *ntp.Discovery {
	return &ntp.Discovery{Static: c.Static, DNS: c.DNS, SRV: c.SRV}
}

// sameDiscovery reports whether c discovers, samples and rotates peers
// exactly as d does, so a reload can keep the running mesh.
func (c PeersConfig) sameDiscovery(d PeersConfig) bool {
	return slices.Equal(c.Static, d.Static) && slices.Equal(c.DNS, d.DNS) && slices.Equal(c.SRV, d.SRV) &&
		c.Sample == d.Sample && c.Refresh == d.Refresh && c.Rotate == d.Rotate
}

// enabled reports whether any PTP source is configured.
func (c PTPConfig) enabled() bool { return c.Ptp4lSocket != "" || c.PHC != "" || len(c.Servers) > 0 }

// validate checks the grandmasters' addresses, each given once.
func (c PTPConfig) validate() error {
	seen := map[string]bool{}
	for _, s := range c.Servers {
		if seen[s] {
			return fmt.Errorf("config: PTP server %s is listed twice", s)
		}
		seen[s] = true
		if _, err := ptp.NewClientSource(s, ptp.ClientConfig{}, nil); err != nil {
			return fmt.Errorf("config: %w", err)
		}
	}
	return nil
}
