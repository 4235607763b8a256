package ntp

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"strings"

	"github.com/clockwatch/clockwatch/internal/hostport"
)

// Resolver looks peers up in DNS; *net.Resolver is one.
type Resolver interface {
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
	LookupSRV(ctx context.Context, service, proto, name string) (string, []*net.SRV, error)
}

// Discovery finds the peer agents: a static list, the A/AAAA records of
// DNS names (a Kubernetes headless Service, say) and SRV records. Each name
// that fails to resolve contributes its last good answer, so a DNS outage
// does not empty the mesh.
type Discovery struct {
	// Static peers, HOST:PORT (the port defaults to Port).
	Static []string
	// DNS names, NAME or NAME:PORT, whose every address is a peer.
	DNS []string
	// SRV names, such as _clockwatch._udp.example.com, whose every target
	// is a peer on the record's port.
	SRV []string
	// Port is the peers' responder port for names given without one
	// (default DefaultResponderPort).
	Port uint16
	// Resolver is used for lookups (default net.DefaultResolver).
	Resolver Resolver

	lastGood map[string][]netip.AddrPort
}

// Discover resolves every configured name and returns the peers, sorted
// and without duplicates. A host with IPv4 addresses is reached over IPv4
// only, so a dual-stack peer counts once. err joins the failed lookups, for
// the log; their last good answers are still in peers.
func (d *Discovery) Discover(ctx context.Context) (peers []netip.AddrPort, err error) {
	if d.lastGood == nil {
		d.lastGood = map[string][]netip.AddrPort{}
	}
	var errs []error
	add := func(key string, found []netip.AddrPort, lookupErr error) {
		if lookupErr != nil {
			errs = append(errs, lookupErr)
			found = d.lastGood[key]
		} else {
			d.lastGood[key] = found
		}
		peers = append(peers, found...)
	}
	for _, s := range d.Static {
		found, err := d.lookupHost(ctx, s)
		add("static "+s, found, err)
	}
	for _, name := range d.DNS {
		found, err := d.lookupHost(ctx, name)
		add("dns "+name, found, err)
	}
	for _, name := range d.SRV {
		found, err := d.lookupSRV(ctx, name)
		add("srv "+name, found, err)
	}
	slices.SortFunc(peers, netip.AddrPort.Compare)
	return slices.Compact(peers), errors.Join(errs...)
}

// Check reports a static peer or DNS name that is not HOST or HOST:PORT,
// without looking anything up.
func (d *Discovery) Check() error {
	for _, s := range slices.Concat(d.Static, d.DNS) {
		if _, _, err := d.splitHostPort(s); err != nil {
			return err
		}
	}
	for _, name := range d.SRV {
		if name == "" || strings.ContainsAny(name, " :/") {
			return fmt.Errorf("peers: SRV name %q is not a DNS name such as _clockwatch._udp.example.com", name)
		}
	}
	return nil
}

// lookupHost resolves HOST or HOST:PORT to every address of the host.
func (d *Discovery) lookupHost(ctx context.Context, hostPort string) ([]netip.AddrPort, error) {
	host, port, err := d.splitHostPort(hostPort)
	if err != nil {
		return nil, err
	}
	ips, err := d.addresses(ctx, host)
	if err != nil {
		return nil, err
	}
	out := make([]netip.AddrPort, len(ips))
	for i, ip := range ips {
		out[i] = netip.AddrPortFrom(ip, port)
	}
	return out, nil
}

// lookupSRV resolves an SRV name to the addresses of its targets.
func (d *Discovery) lookupSRV(ctx context.Context, name string) ([]netip.AddrPort, error) {
	_, records, err := d.resolver().LookupSRV(ctx, "", "", name)
	if err != nil {
		return nil, fmt.Errorf("peers: SRV lookup of %s: %w (check the name and DNS)", name, err)
	}
	var out []netip.AddrPort
	for _, r := range records {
		ips, err := d.addresses(ctx, strings.TrimSuffix(r.Target, "."))
		if err != nil {
			return nil, fmt.Errorf("peers: SRV %s: %w", name, err)
		}
		for _, ip := range ips {
			out = append(out, netip.AddrPortFrom(ip, r.Port))
		}
	}
	return out, nil
}

// addresses resolves host (or parses an IP literal), keeping IPv4 only
// when there is any.
func (d *Discovery) addresses(ctx context.Context, host string) ([]netip.Addr, error) {
	if ip, err := netip.ParseAddr(host); err == nil {
		return []netip.Addr{ip.Unmap()}, nil
	}
	ips, err := d.resolver().LookupNetIP(ctx, "ip", host)
	if err != nil {
		return nil, fmt.Errorf("peers: resolve %s: %w (check the name and DNS)", host, err)
	}
	var v4, v6 []netip.Addr
	for _, ip := range ips {
		if ip = ip.Unmap(); ip.Is4() {
			v4 = append(v4, ip)
		} else {
			v6 = append(v6, ip)
		}
	}
	if len(v4) > 0 {
		return v4, nil
	}
	return v6, nil
}

// splitHostPort parses HOST or HOST:PORT with the default responder port.
func (d *Discovery) splitHostPort(s string) (string, uint16, error) {
	host, port, err := hostport.Split(s, d.port())
	if err != nil {
		return "", 0, fmt.Errorf("peers: %w", err)
	}
	return host, port, nil
}

func (d *Discovery) port() uint16 {
	if d.Port == 0 {
		return DefaultResponderPort
	}
	return d.Port
}

func (d *Discovery) resolver() Resolver {
	if d.Resolver == nil {
		return net.DefaultResolver
	}
	return d.Resolver
}

// SelfAddresses lists the addresses a responder listening on listen
// answers on: listen itself, or every address of this host's interfaces
// when listen has no IP or an unspecified one. Discovery through a
// Service finds the agent itself too; these addresses are left out of its
// sample.
func SelfAddresses(listen netip.AddrPort) ([]netip.AddrPort, error) {
	if listen.Addr().IsValid() && !listen.Addr().IsUnspecified() {
		return []netip.AddrPort{netip.AddrPortFrom(listen.Addr().Unmap(), listen.Port())}, nil
	}
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return nil, fmt.Errorf("peers: list this host's addresses: %w", err)
	}
	var out []netip.AddrPort
	for _, a := range addrs {
		if p, err := netip.ParsePrefix(a.String()); err == nil {
			out = append(out, netip.AddrPortFrom(p.Addr().Unmap(), listen.Port()))
		}
	}
	return out, nil
}
