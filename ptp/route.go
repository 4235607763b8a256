package ptp

import (
	"fmt"
	"net"
	"net/netip"
)

// routeTo finds the interface and local address this host uses to reach
// server, by asking the kernel for a route (a UDP connect sends nothing).
func routeTo(server netip.Addr) (*net.Interface, netip.Addr, error) {
	conn, err := net.DialUDP("udp", nil, net.UDPAddrFromAddrPort(netip.AddrPortFrom(server, 320)))
	if err != nil {
		return nil, netip.Addr{}, fmt.Errorf("ptp: no route to %s: %w", server, err)
	}
	local := conn.LocalAddr().(*net.UDPAddr).AddrPort().Addr().Unmap()
	conn.Close()
	ifaces, err := net.Interfaces()
	if err != nil {
		return nil, netip.Addr{}, fmt.Errorf("ptp: list interfaces: %w", err)
	}
	for i := range ifaces {
		addrs, err := ifaces[i].Addrs()
		if err != nil {
			continue
		}
		for _, a := range addrs {
			if p, ok := a.(*net.IPNet); ok {
				if ip, ok := netip.AddrFromSlice(p.IP); ok && ip.Unmap() == local {
					return &ifaces[i], local, nil
				}
			}
		}
	}
	return nil, netip.Addr{}, fmt.Errorf("ptp: the route to %s leaves from %s, but no interface has that address", server, local)
}
