package agent

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"sync"

	"github.com/clockwatch/clockwatch/internal/fallbackroots"
	"github.com/clockwatch/clockwatch/ntp"
	"github.com/clockwatch/clockwatch/ntp/nts"
	"github.com/clockwatch/clockwatch/ntp/symkey"
)

// AuthConfig is authenticated time: NTS servers, what to trust, symmetric
// keys, and whether unauthenticated sources may count.
type AuthConfig struct {
	// NTSServers are NTS servers, HOST or HOST:PORT of their key exchange
	// (port nts.DefaultKEPort by default).
	NTSServers []string
	// CAFile is a PEM file of the CAs trusted for NTS instead of the
	// system's roots; empty: the system's.
	CAFile string
	// Required leaves out every unauthenticated network source
	// (estimator.Config.RequireAuthentication).
	Required bool
	// NTSPeers measures peers with NTS, the key exchange at each peer's
	// host on port nts.DefaultKEPort; PeersServerName, when set, is the
	// name every peer's certificate holds (a fleet certificate).
	NTSPeers        bool
	PeersServerName string
	// KeysFile holds symmetric keys in chrony's format; NTPKey and
	// PeersKey are the IDs of the keys of the NTP servers and of the
	// peers (0: none). The responder answers with any key of the file.
	KeysFile         string
	NTPKey, PeersKey uint32
}

// enabled reports whether any NTS server is configured.
func (c AuthConfig) enabled() bool { return len(c.NTSServers) > 0 }

// validate checks the NTS servers and that the keys named exist in the key
// file and can authenticate.
func (c AuthConfig) validate() error {
	seen := map[string]bool{}
	for _, s := range c.NTSServers {
		ke, err := keServer(s)
		if err != nil {
			return fmt.Errorf("config: --nts.server or nts.servers: %w", err)
		}
		if seen[ke] {
			return fmt.Errorf("config: NTS server %s is listed twice", s)
		}
		seen[ke] = true
	}
	if c.KeysFile == "" {
		if c.NTPKey != 0 || c.PeersKey != 0 {
			return fmt.Errorf("config: keys.ntp and keys.peers need keys.file (--keys.file), the key file they are in")
		}
		return nil
	}
	keys, err := symkey.Load(c.KeysFile)
	if err != nil {
		return fmt.Errorf("config: keys.file: %w", err)
	}
	for _, id := range []uint32{c.NTPKey, c.PeersKey} {
		if id == 0 {
			continue
		}
		if _, err := keys.Get(id); err != nil {
			return fmt.Errorf("config: %w", err)
		}
	}
	return nil
}

// keServer is an NTS server's key exchange as HOST:PORT.
func keServer(server string) (string, error) {
	host, port, err := nts.SplitServer(server)
	if err != nil {
		return "", err
	}
	return net.JoinHostPort(host, strconv.Itoa(int(port))), nil
}

// sourceAuth makes the authenticators of the agent's sources and keeps
// them across new source sets, so an NTS association and its cookies, and
// every source's counters, outlive a new peer sample or a reload.
type sourceAuth struct {
	cfg  AuthConfig
	tls  *tls.Config
	keys *symkey.Keys

	mu   sync.Mutex
	kept map[string]ntp.Authenticator
}

// newSourceAuth reads the CA file and the key file c names.
func newSourceAuth(c AuthConfig) (*sourceAuth, error) {
	a := &sourceAuth{cfg: c, tls: &tls.Config{}, kept: map[string]ntp.Authenticator{}}
	if c.CAFile != "" {
		pem, err := readPEMFile(c.CAFile)
		if err != nil {
			return nil, fmt.Errorf("--nts.ca-file: %w", err)
		}
		roots := x509.NewCertPool()
		if !roots.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("--nts.ca-file %s holds no PEM certificate", c.CAFile)
		}
		a.tls.RootCAs = roots
	}
	if c.KeysFile != "" {
		var err error
		if a.keys, err = symkey.Load(c.KeysFile); err != nil {
			return nil, fmt.Errorf("--keys.file: %w", err)
		}
	}
	return a, nil
}

// ntsServer returns the authenticator of an NTS server (HOST:PORT of its
// key exchange); serverName, when set, is the name its certificate must
// hold instead of its host.
func (a *sourceAuth) ntsServer(ke, serverName string) (ntp.Authenticator, error) {
	return a.keep("nts "+ke+" "+serverName, func() (ntp.Authenticator, error) {
		cfg := a.tls.Clone()
		cfg.ServerName = serverName
		if cfg.RootCAs == nil {
			// The key exchange verifies the server against the system's
			// roots, or Mozilla's where the system has none.
			fallbackroots.Install()
		}
		c, err := nts.NewClient(ke, cfg, nil)
		if err != nil {
			return nil, err
		}
		return ntp.NewNTS(c), nil
	})
}

// symmetric returns the authenticator of key id for server.
func (a *sourceAuth) symmetric(server string, id uint32) (ntp.Authenticator, error) {
	return a.keep(fmt.Sprintf("key %d %s", id, server), func() (ntp.Authenticator, error) {
		if a.keys == nil {
			return nil, fmt.Errorf("key %d: no --keys.file", id)
		}
		key, err := a.keys.Get(id)
		if err != nil {
			return nil, err
		}
		return ntp.NewSymmetricKey(key), nil
	})
}

// keep returns the authenticator kept under name, making it first.
func (a *sourceAuth) keep(name string, make func() (ntp.Authenticator, error)) (ntp.Authenticator, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if auth, ok := a.kept[name]; ok {
		return auth, nil
	}
	auth, err := make()
	if err == nil {
		a.kept[name] = auth
	}
	return auth, err
}

// ntpServer authenticates an NTP server's source with the NTP key, if
// any.
func (a *sourceAuth) ntpServer(s *ntp.Source) error {
	if a.cfg.NTPKey == 0 {
		return nil
	}
	return a.apply(s, func() (ntp.Authenticator, error) { return a.symmetric(s.Info().Address, a.cfg.NTPKey) })
}

// peer authenticates a peer's source: with NTS (the key exchange at the
// peer's host) or with the peers' key.
func (a *sourceAuth) peer(s *ntp.Source, peer netip.AddrPort) error {
	switch {
	case a.cfg.NTSPeers:
		ke := net.JoinHostPort(peer.Addr().String(), strconv.Itoa(nts.DefaultKEPort))
		return a.apply(s, func() (ntp.Authenticator, error) { return a.ntsServer(ke, a.cfg.PeersServerName) })
	case a.cfg.PeersKey != 0:
		return a.apply(s, func() (ntp.Authenticator, error) { return a.symmetric(peer.String(), a.cfg.PeersKey) })
	}
	return nil
}

// apply authenticates s with the authenticator get returns.
func (a *sourceAuth) apply(s *ntp.Source, get func() (ntp.Authenticator, error)) error {
	auth, err := get()
	if err == nil {
		s.Authenticate(auth)
	}
	return err
}
