// Package hostport parses the HOST or HOST:PORT of a server given on the
// command line or in the configuration file, checking its syntax only: a
// DNS name that does not resolve yet is accepted, a string that can never
// be a host (":::", "a b", "[::1") is refused when the agent starts rather
// than at every poll.
package hostport

import (
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"
)

// Split parses s, HOST or HOST:PORT, where HOST is a DNS name, an IPv4
// address or an IPv6 address (bracketed when a port follows), and returns
// the host (an IPv6 address without brackets) and the port, defaultPort
// when s has none. Its errors quote s and say what is wrong.
func Split(s string, defaultPort uint16) (string, uint16, error) {
	host, portText, err := net.SplitHostPort(s)
	if err != nil {
		// No port: the whole string is the host, maybe a bracketed IPv6.
		host, portText = s, strconv.Itoa(int(defaultPort))
		if inner, ok := strings.CutPrefix(s, "["); ok && strings.HasSuffix(inner, "]") {
			host = strings.TrimSuffix(inner, "]")
			if _, err := netip.ParseAddr(host); err != nil || !strings.Contains(host, ":") {
				return "", 0, fmt.Errorf("%q is not HOST or HOST:PORT: only an IPv6 address goes in brackets", s)
			}
		}
	}
	if !validHost(host) {
		return "", 0, fmt.Errorf("%q is not HOST or HOST:PORT: %q is neither an IP address nor a DNS name", s, host)
	}
	port, err := strconv.ParseUint(portText, 10, 16)
	if err != nil || port == 0 {
		return "", 0, fmt.Errorf("%q is not HOST or HOST:PORT: port %q is not a number from 1 to 65535", s, portText)
	}
	return host, uint16(port), nil
}

// validHost reports whether host is an IP address or a DNS name.
func validHost(host string) bool {
	if _, err := netip.ParseAddr(host); err == nil {
		return true
	}
	return isDNSName(host)
}

// isDNSName reports whether s is a DNS name as resolvers accept one:
// dot-separated labels of 1 to 63 letters, digits, '-' and '_', no label
// starting or ending with '-', at most 253 characters and an optional
// final dot.
func isDNSName(s string) bool {
	s = strings.TrimSuffix(s, ".")
	if s == "" || len(s) > 253 {
		return false
	}
	for label := range strings.SplitSeq(s, ".") {
		if !isLabel(label) {
			return false
		}
	}
	return true
}

// isLabel reports whether label is one label of a DNS name.
func isLabel(label string) bool {
	if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
		return false
	}
	for _, c := range []byte(label) {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}
