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
	cmd.Flag("responder.listen-address", fmt.Sprintf("UDP address to answer other agents' NTP requests on, [HOST]:PORT (port %d when none). Off by default.", ntp.DefaultResponderPort)).PlaceHolder("[HOST]:PORT").StringVar(&f.listen)
	cmd.Flag("responder.rate-limit", "Requests per second each address may send to the responder (token bucket; past it, kiss-o'-death RATE). 0: no limit.").Default(fmt.Sprint(ntp.DefaultRateLimit)).SetValue(&rateFlag{name: "responder.rate-limit", target: &f.rate})
	cmd.Flag("responder.burst", "Requests a source address may send at once before --responder.rate-limit applies; at least 1.").Default(strconv.Itoa(ntp.DefaultRateBurst)).SetValue(&intFlag{name: "responder.burst", target: &f.burst, min: 1, max: math.MaxInt32})
	cmd.Flag("responder.nts.certificate", "PEM certificate chain of the responder's NTS key exchange (with --responder.nts.key): peers then measure this host over NTS.").PlaceHolder("FILE").StringVar(&f.nts.Certificate)
	cmd.Flag("responder.nts.key", "PEM private key of --responder.nts.certificate.").PlaceHolder("FILE").StringVar(&f.nts.Key)
	cmd.Flag("responder.nts.listen-address", "TCP address of the responder's NTS key exchange, HOST:PORT or :PORT.").Default(fmt.Sprintf(":%d", nts.DefaultKEPort)).StringVar(&f.nts.Listen)
	cmd.Flag("responder.leak", fmt.Sprintf("Past --responder.rate-limit, still answer one request in 2^N at random (chrony's ratelimit leak); 1 to %d.", ntp.MaxRateLeak)).Default(strconv.Itoa(ntp.DefaultRateLeak)).SetValue(&intFlag{name: "responder.leak", target: &f.leak, min: 1, max: ntp.MaxRateLeak})
	return f
}

// config is the responder's configuration.
func (f *responderFlags) config() agent.ResponderConfig {
	return agent.ResponderConfig{Listen: f.listen, Rate: f.rate, Burst: f.burst, Leak: f.leak, NTS: f.nts}
}
