package ntp

import (
	"errors"
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

// ChronyReport is what one poll of chronyd says: its own estimate, its
// view of each of its sources and its server statistics.
type ChronyReport struct {
	Tracking chrony.Tracking
	Sources  []ChronySourceView
	// ServerStats are chronyd's counters as a server (chronyc serverstats),
	// in the newest reply's form whatever chronyd's version; nil when
	// chronyd does not give them (it does only over its unix socket), and
	// ServerStatsErr says why.
	ServerStats    *chrony.ServerStats4
	ServerStatsErr error
}

// ChronySourceView is chronyd's view of one of its sources: its last sample (sources) and
// its regression over recent samples (sourcestats).
type ChronySourceView struct {
	// Address is the source's IP address, or the refid of a reference clock.
	Address string
	// IPAddr is the address as chronyd sent it; a reference clock's is its
	// refid read as an IPv4 address.
	IPAddr string
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
	// noServerStats is why chronyd refused serverstats in this session;
	// it is not asked again until the next session.
	noServerStats error
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
	r.ServerStats, r.ServerStatsErr, err = c.serverStats()
	return r, err
}

// serverStats asks for chronyd's server statistics. chronyd refusing them
// (over UDP it answers only monitoring commands) is refused, not an error
// of the session; a lost answer is.
func (c *chronyConn) serverStats() (stats *chrony.ServerStats4, refused, err error) {
	if c.noServerStats != nil {
		return nil, c.noServerStats, nil
	}
	resp, err := c.communicate(chrony.NewServerStatsPacket())
	var netErr net.Error
	switch {
	case errors.As(err, &netErr):
		return nil, nil, err
	case err != nil:
		c.noServerStats = fmt.Errorf("chrony: chronyd refused serverstats: %w (it gives them only over its unix socket: use --chrony.address unix:///run/chrony/chronyd.sock)", err)
		return nil, c.noServerStats, nil
	}
	stats, ok := serverStats4(resp)
	if !ok {
		c.noServerStats = fmt.Errorf("chrony: serverstats answered with %T, which this version does not read", resp)
		return nil, c.noServerStats, nil
	}
	return stats, nil, nil
}

// serverStats4 reads any version of chronyd's serverstats reply into the
// newest form; counters an older chronyd does not keep stay zero.
func serverStats4(resp chrony.ResponsePacket) (*chrony.ServerStats4, bool) {
	switch r := resp.(type) {
	case *chrony.ReplyServerStats4:
		s := r.ServerStats4
		return &s, true
	case *chrony.ReplyServerStats3:
		return &chrony.ServerStats4{
			NTPHits: uint64(r.NTPHits), NKEHits: uint64(r.NKEHits), CMDHits: uint64(r.CMDHits),
			NTPDrops: uint64(r.NTPDrops), NKEDrops: uint64(r.NKEDrops), CMDDrops: uint64(r.CMDDrops),
			LogDrops: uint64(r.LogDrops), NTPAuthHits: uint64(r.NTPAuthHits),
			NTPInterleavedHits: uint64(r.NTPInterleavedHits), NTPTimestamps: uint64(r.NTPTimestamps),
			NTPSpanSeconds: uint64(r.NTPSpanSeconds),
		}, true
	case *chrony.ReplyServerStats2:
		return &chrony.ServerStats4{
			NTPHits: uint64(r.NTPHits), NKEHits: uint64(r.NKEHits), CMDHits: uint64(r.CMDHits),
			NTPDrops: uint64(r.NTPDrops), NKEDrops: uint64(r.NKEDrops), CMDDrops: uint64(r.CMDDrops),
			LogDrops: uint64(r.LogDrops), NTPAuthHits: uint64(r.NTPAuthHits),
		}, true
	case *chrony.ReplyServerStats:
		return &chrony.ServerStats4{
			NTPHits: uint64(r.NTPHits), CMDHits: uint64(r.CMDHits), NTPDrops: uint64(r.NTPDrops),
			CMDDrops: uint64(r.CMDDrops), LogDrops: uint64(r.LogDrops),
		}, true
	}
	return nil, false
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
	return ChronySourceView{Address: address, IPAddr: data.IPAddr.String(), Name: c.name(data.IPAddr, data.Mode), Data: data.SourceData, Stats: stats.SourceStats}, nil
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
