package main

import (
	"fmt"
	"math"
	"strconv"

	"github.com/alecthomas/kingpin/v2"
	"github.com/clockwatch/clockwatch/internal/agent"
	"github.com/clockwatch/clockwatch/ntp"
	"github.com/clockwatch/clockwatch/ntp/nts"
)

// responderFlags are the flags of the peer responder. They are not in the
// configuration file: the socket lives as long as the process.
type responderFlags struct {
	listen string
	rate   float64
	burst  int
	leak   int
	nts    agent.ResponderNTSConfig
}

// addResponderFlags registers the responder flags on cmd. Their values are
// checked as they are parsed: a rate that is not a finite number ≥ 0, or a
// burst or leak out of range, stops the command before it starts.
func addResponderFlags(cmd *kingpin.CmdClause) *responderFlags {
	f := &responderFlags{}
	cmd.Flag("responder.listen-address", fmt.Sprintf("UDP address to answer other agents' NTP requests on, HOST, HOST:PORT or :PORT (port %d, clockwatch's peer port, when none is given). Off by default: peers cannot measure this host.", ntp.DefaultResponderPort)).PlaceHolder("[HOST]:PORT").StringVar(&f.listen)
	cmd.Flag("responder.rate-limit", "Requests per second each source address may send to the responder (token bucket); past it the source gets one kiss-o'-death RATE a second and silence otherwise, but for the share --responder.leak answers. A finite number; 0: no limit.").Default(fmt.Sprint(ntp.DefaultRateLimit)).SetValue(&rateFlag{name: "responder.rate-limit", target: &f.rate})
	cmd.Flag("responder.burst", "Requests a source address may send at once before --responder.rate-limit applies; at least 1.").Default(strconv.Itoa(ntp.DefaultRateBurst)).SetValue(&intFlag{name: "responder.burst", target: &f.burst, min: 1, max: math.MaxInt32})
	cmd.Flag("responder.nts.certificate", "PEM certificate (chain) of the responder's NTS key exchange: with --responder.nts.key, peers and chronyd (`server HOST port 9123 nts`) authenticate this agent's time with NTS (RFC 8915).").PlaceHolder("FILE").StringVar(&f.nts.Certificate)
	cmd.Flag("responder.nts.key", "PEM private key of --responder.nts.certificate.").PlaceHolder("FILE").StringVar(&f.nts.Key)
	cmd.Flag("responder.nts.listen-address", "TCP address of the responder's NTS key exchange, HOST:PORT or :PORT. It names the responder's UDP port to its clients; its cookie keys live in memory and rotate daily, so a restart makes each client key again once.").Default(fmt.Sprintf(":%d", nts.DefaultKEPort)).StringVar(&f.nts.Listen)
	cmd.Flag("responder.leak", fmt.Sprintf("Past --responder.rate-limit, still answer one request in 2^N at random (chrony's ratelimit leak), so a flood that spoofs a peer's address cannot deny that peer its replies; the replies are never larger than the requests. 1 to %d.", ntp.MaxRateLeak)).Default(strconv.Itoa(ntp.DefaultRateLeak)).SetValue(&intFlag{name: "responder.leak", target: &f.leak, min: 1, max: ntp.MaxRateLeak})
	return f
}

// config is the responder's configuration.
func (f *responderFlags) config() agent.ResponderConfig {
	return agent.ResponderConfig{Listen: f.listen, Rate: f.rate, Burst: f.burst, Leak: f.leak, NTS: f.nts}
}
