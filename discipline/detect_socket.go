package discipline

import (
	"bufio"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Socket is a daemon's well-known unix socket.
type Socket struct {
	// Daemon names the daemon that listens on it.
	Daemon string
	// Path is the socket's file; Network is "unix" or "unixgram".
	Path, Network string
}

// DefaultSockets are the command sockets of chronyd and ptp4l at their
// default places.
var DefaultSockets = []Socket{
	{Daemon: "chronyd", Path: "/run/chrony/chronyd.sock", Network: "unixgram"},
	{Daemon: "ptp4l", Path: "/var/run/ptp4l", Network: "unixgram"},
}

// answeringSockets lists the sockets a daemon listens on. A socket file
// left behind by a daemon that exited refuses the connection and is not
// listed.
func answeringSockets(sockets []Socket) []Steerer {
	var found []Steerer
	for _, s := range sockets {
		conn, err := net.DialTimeout(s.Network, s.Path, time.Second)
		if err != nil {
			continue
		}
		conn.Close()
		found = append(found, Steerer{Name: s.Daemon, Evidence: "socket " + s.Path + " answers"})
	}
	return found
}

// daemonPorts maps well-known UDP ports to the daemons bound to them.
var daemonPorts = map[int]Steerer{
	123: {Name: "ntpd", Evidence: "an NTP daemon listens on UDP port 123"},
	323: {Name: "chronyd", Evidence: "chronyd's command port UDP 323 is open"},
}

// listeningDaemons lists the daemons whose well-known UDP ports are bound,
// from procDir/net/udp and udp6. It sees daemons of other containers that
// share the host's network.
func listeningDaemons(procDir string) []Steerer {
	var found []Steerer
	seen := map[int]bool{}
	for _, file := range []string{"udp", "udp6"} {
		for _, port := range boundUDPPorts(filepath.Join(procDir, "net", file)) {
			if s, ok := daemonPorts[port]; ok && !seen[port] {
				seen[port] = true
				found = append(found, s)
			}
		}
	}
	return found
}

// boundUDPPorts returns the local ports of a /proc/net/udp table.
func boundUDPPorts(path string) []int {
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	var ports []int
	lines := bufio.NewScanner(f)
	for lines.Scan() {
		fields := strings.Fields(lines.Text())
		if len(fields) < 2 {
			continue
		}
		_, hexPort, ok := strings.Cut(fields[1], ":")
		if port, err := strconv.ParseUint(hexPort, 16, 16); ok && err == nil {
			ports = append(ports, int(port))
		}
	}
	return ports
}
