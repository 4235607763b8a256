package ntp

import (
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"sync/atomic"
	"time"

	"github.com/facebook/time/ntp/chrony"
)

// DefaultChronyAddress is chronyd's command port on loopback.
const DefaultChronyAddress = "udp://127.0.0.1:323"

// chronyTimeout bounds each command sent to chronyd.
const chronyTimeout = time.Second

// ChronyReport is what one poll of chronyd says: its own estimate and its
// view of each of its sources.
type ChronyReport struct {
	Tracking chrony.Tracking
	Sources  []ChronySourceView
}

// ChronySourceView is chronyd's view of one of its sources: its last sample (sources) and
// its regression over recent samples (sourcestats).
type ChronySourceView struct {
	// Address is the source's IP address, or the refid of a reference clock.
	Address string
	// Name is the name it was configured by, when chronyd tells.
	Name  string
	Data  chrony.SourceData
	Stats chrony.SourceStats
}

// chronyConn is a command session with chronyd over UDP or its unix
// socket. chronyd answers a unix datagram to the address it came from, so
// the session binds a socket of its own next to chronyd's, as chronyc does.
type chronyConn struct {
	conn   net.Conn
	local  string
	client chrony.Client
	names  map[string]string
}

// chronySockets numbers the unix sockets this process binds.
var chronySockets atomic.Uint64

// ParseChronyAddress splits a chronyd address, udp://HOST:PORT or
// unix:///PATH, into "udp" or "unix" and the host:port or path.
func ParseChronyAddress(address string) (network, target string, err error) {
	u, err := url.Parse(address)
	switch {
	case err != nil:
	case u.Scheme == "udp" && u.Host != "" && u.Port() != "" && (u.Path == "" || u.Path == "/"):
		return "udp", u.Host, nil
	case u.Scheme == "unix" && u.Host == "" && u.Path != "":
		return "unix", u.Path, nil
	}
	return "", "", fmt.Errorf("chrony: address %q is neither udp://HOST:PORT nor unix:///PATH (e.g. %s or unix:///run/chrony/chronyd.sock)", address, DefaultChronyAddress)
}

// dialChrony connects to address, udp://HOST:PORT or unix:///PATH.
func dialChrony(address string) (*chronyConn, error) {
	network, target, err := ParseChronyAddress(address)
	if err != nil {
		return nil, err
	}
	c := &chronyConn{names: map[string]string{}}
	if network == "udp" {
		c.conn, err = net.DialTimeout("udp", target, chronyTimeout)
	} else {
		c.conn, c.local, err = dialChronySocket(target)
	}
	if err != nil {
		return nil, fmt.Errorf("chrony: connect to %s: %w (is chronyd running, with cmdport or bindcmdaddress there?)", address, err)
	}
	c.client.Connection = c.conn
	return c, nil
}

// dialChronySocket binds a socket next to chronyd's at path, writable by
// chronyd once it dropped root, and connects it.
func dialChronySocket(path string) (net.Conn, string, error) {
	local := filepath.Join(filepath.Dir(path), fmt.Sprintf("clockwatch.%d.%d.sock", os.Getpid(), chronySockets.Add(1)))
	_ = os.Remove(local)
	conn, err := net.DialUnix("unixgram", &net.UnixAddr{Name: local, Net: "unixgram"}, &net.UnixAddr{Name: path, Net: "unixgram"})
	if err != nil {
		_ = os.Remove(local)
		return nil, "", err
	}
	if err := os.Chmod(local, 0o666); err != nil {
		conn.Close()
		_ = os.Remove(local)
		return nil, "", err
	}
	return conn, local, nil
}

// Close ends the session.
func (c *chronyConn) Close() error {
	err := c.conn.Close()
	if c.local != "" {
		_ = os.Remove(c.local)
	}
	return err
}

// communicate sends one command and waits at most chronyTimeout.
func (c *chronyConn) communicate(req chrony.RequestPacket) (chrony.ResponsePacket, error) {
	if err := c.conn.SetDeadline(time.Now().Add(chronyTimeout)); err != nil {
		return nil, err
	}
	resp, err := c.client.Communicate(req)
	if err != nil {
		return nil, fmt.Errorf("chrony: command %d: %w", req.GetCommand(), err)
	}
	return resp, nil
}

// report asks chronyd for tracking, sources and sourcestats.
func (c *chronyConn) report() (ChronyReport, error) {
	var r ChronyReport
	tracking, err := askChrony[*chrony.ReplyTracking](c, chrony.NewTrackingPacket())
	if err != nil {
		return r, err
	}
	r.Tracking = tracking.Tracking
	n, err := askChrony[*chrony.ReplySources](c, chrony.NewSourcesPacket())
	if err != nil {
		return r, err
	}
	for i := range n.NSources {
		src, err := c.source(int32(i))
		if err != nil {
			return r, err
		}
		r.Sources = append(r.Sources, src)
	}
	return r, nil
}

// source asks for one source's data and statistics.
func (c *chronyConn) source(i int32) (ChronySourceView, error) {
	data, err := askChrony[*chrony.ReplySourceData](c, chrony.NewSourceDataPacket(i))
	if err != nil {
		return ChronySourceView{}, err
	}
	stats, err := askChrony[*chrony.ReplySourceStats](c, chrony.NewSourceStatsPacket(i))
	if err != nil {
		return ChronySourceView{}, err
	}
	address := data.IPAddr.String()
	if data.Mode == chrony.SourceModeRef {
		address = chrony.RefidToString(stats.RefID)
	}
	return ChronySourceView{Address: address, Name: c.name(data.IPAddr, data.Mode), Data: data.SourceData, Stats: stats.SourceStats}, nil
}

// name is the configured name of an NTP source, asked once per address;
// "" for reference clocks or when chronyd will not tell.
func (c *chronyConn) name(ip *chrony.IPAddr, mode chrony.ModeType) string {
	if mode == chrony.SourceModeRef {
		return ""
	}
	key := ip.String()
	if name, ok := c.names[key]; ok {
		return name
	}
	name := ""
	if r, err := askChrony[*chrony.ReplyNTPSourceName](c, chrony.NewNTPSourceNamePacket(ip)); err == nil {
		name = r.Name
	}
	c.names[key] = name
	return name
}

// askChrony sends req and returns the reply as T.
func askChrony[T chrony.ResponsePacket](c *chronyConn, req chrony.RequestPacket) (T, error) {
	var zero T
	resp, err := c.communicate(req)
	if err != nil {
		return zero, err
	}
	r, ok := resp.(T)
	if !ok {
		return zero, fmt.Errorf("chrony: command %d answered with %T, want %T", req.GetCommand(), resp, zero)
	}
	return r, nil
}
