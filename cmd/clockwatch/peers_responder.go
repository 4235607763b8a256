package main

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"net"
	"net/netip"
	"strconv"
	"time"

	"github.com/alecthomas/kingpin/v2"
	"github.com/clockwatch/clockwatch/ntp"
)

// responderFlags are the flags of the peer responder. They are not in the
// configuration file: the socket lives as long as the process.
type responderFlags struct {
	listen string
	rate   float64
	burst  int
	leak   int
}

// addResponderFlags registers the responder flags on cmd. Their values are
// checked as they are parsed: a rate that is not a finite number ≥ 0, or a
// burst or leak out of range, stops the command before it starts.
func addResponderFlags(cmd *kingpin.CmdClause) *responderFlags {
	f := &responderFlags{}
	cmd.Flag("responder.listen-address", fmt.Sprintf("UDP address to answer other agents' NTP requests on, HOST, HOST:PORT or :PORT (port %d, clockwatch's peer port, when none is given). Off by default: peers cannot measure this host.", ntp.DefaultResponderPort)).PlaceHolder("[HOST]:PORT").StringVar(&f.listen)
	cmd.Flag("responder.rate-limit", "Requests per second each source address may send to the responder (token bucket); past it the source gets one kiss-o'-death RATE a second and silence otherwise, but for the share --responder.leak answers. A finite number; 0: no limit.").Default(fmt.Sprint(ntp.DefaultRateLimit)).SetValue(&rateFlag{name: "responder.rate-limit", target: &f.rate})
	cmd.Flag("responder.burst", "Requests a source address may send at once before --responder.rate-limit applies; at least 1.").Default(strconv.Itoa(ntp.DefaultRateBurst)).SetValue(&intFlag{name: "responder.burst", target: &f.burst, min: 1, max: math.MaxInt32})
	cmd.Flag("responder.leak", fmt.Sprintf("Past --responder.rate-limit, still answer one request in 2^N at random (chrony's ratelimit leak), so a flood that spoofs a peer's address cannot deny that peer its replies; the replies are never larger than the requests. 1 to %d.", ntp.MaxRateLeak)).Default(strconv.Itoa(ntp.DefaultRateLeak)).SetValue(&intFlag{name: "responder.leak", target: &f.leak, min: 1, max: ntp.MaxRateLeak})
	return f
}

// enabled reports whether the responder should run.
func (f *responderFlags) enabled() bool { return f.listen != "" }

// rateLimit is the responder's token bucket configuration.
func (f *responderFlags) rateLimit() *ntp.RateLimit {
	if f.rate == 0 {
		return nil
	}
	return &ntp.RateLimit{Rate: f.rate, Burst: f.burst, Leak: f.leak}
}

// responderAddress parses --responder.listen-address, adding the default
// port when it names none.
func responderAddress(s string) (*net.UDPAddr, error) {
	if _, _, err := net.SplitHostPort(s); err != nil {
		s = net.JoinHostPort(s, strconv.Itoa(ntp.DefaultResponderPort))
	}
	addr, err := net.ResolveUDPAddr("udp", s)
	if err != nil {
		return nil, fmt.Errorf("--responder.listen-address %q: %w (give HOST, HOST:PORT or :PORT)", s, err)
	}
	return addr, nil
}

// startResponder listens on --responder.listen-address and answers peers
// with clock, advertising quality, until ctx ends. It returns the
// responder (for its counters) and the address it listens on.
func startResponder(ctx context.Context, f *responderFlags, clock func() time.Time, quality func() ntp.Quality, logger *slog.Logger) (*ntp.Responder, netip.AddrPort, error) {
	addr, err := responderAddress(f.listen)
	if err != nil {
		return nil, netip.AddrPort{}, err
	}
	conn, err := net.ListenUDP("udp", addr)
	if err != nil {
		return nil, netip.AddrPort{}, fmt.Errorf("responder: listen on %s: %w (use --responder.listen-address to pick another address)", addr, err)
	}
	r := &ntp.Responder{Clock: clock, Quality: quality, Limit: f.rateLimit()}
	go func() {
		defer conn.Close()
		if err := r.Serve(ctx, conn); err != nil {
			logger.Error("peer responder stopped; peers can no longer measure this host", "err", err)
		}
	}()
	local := conn.LocalAddr().(*net.UDPAddr).AddrPort()
	logger.Info("answering peers", "address", local.String(), "rate_limit", f.rate, "burst", f.burst, "leak", f.leak)
	return r, local, nil
}
