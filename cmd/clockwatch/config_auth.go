package main

import (
	"fmt"

	"github.com/alecthomas/kingpin/v2"
	"github.com/clockwatch/clockwatch/internal/agent"
	"github.com/clockwatch/clockwatch/ntp/nts"
)

// fileNTS is the nts section of the configuration file; each key is the
// flag of the same name (nts.servers is --nts.server):
//
//	nts:
//	  servers: [time.example.com, "ntp.example.com:4460"]
//	  ca-file: /etc/clockwatch/nts-ca.pem   # trust this CA, not the system's
//	  required: true                        # unauthenticated sources are not used
//	  peers: true                           # measure peers with NTS
//	  peers-server-name: clockwatch.fleet   # the name every peer's certificate holds
type fileNTS struct {
	Servers         []string `yaml:"servers"`
	CAFile          string   `yaml:"ca-file"`
	Required        *bool    `yaml:"required"`
	Peers           *bool    `yaml:"peers"`
	PeersServerName string   `yaml:"peers-server-name"`
}

// fileKeys is the keys section: symmetric keys (RFC 8573) from a key file
// in chrony's format, and which of them the NTP servers and the peers use.
//
//	keys:
//	  file: /etc/clockwatch/ntp.keys
//	  ntp: 7     # key of every ntp.servers entry
//	  peers: 7   # key of every peer
type fileKeys struct {
	File  string  `yaml:"file"`
	NTP   *uint32 `yaml:"ntp"`
	Peers *uint32 `yaml:"peers"`
}

// serverAuthFlags are the flags that authenticate NTP and NTS servers,
// shared by `run` and `query`.
type serverAuthFlags struct {
	ntsServers       []string
	caFile, keysFile string
	ntpKey           uint32
	ntpKeySet        bool
}

// register adds the flags to cmd.
func (f *serverAuthFlags) register(cmd *kingpin.CmdClause) {
	cmd.Flag("nts.server", fmt.Sprintf("NTS (RFC 8915) server to measure, HOST[:PORT] of its key exchange (port %d by default); always authenticated. Repeatable.", nts.DefaultKEPort)).PlaceHolder("HOST[:PORT]").StringsVar(&f.ntsServers)
	cmd.Flag("nts.ca-file", "PEM file of the CAs that sign the NTS servers' and peers' certificates, trusted instead of the system's roots.").PlaceHolder("FILE").StringVar(&f.caFile)
	cmd.Flag("keys.file", "Symmetric keys (RFC 8573 AES-CMAC) in chrony's key-file format; the responder of `run` answers requests signed with any of them.").PlaceHolder("FILE").StringVar(&f.keysFile)
	cmd.Flag("keys.ntp", "ID of the key in --keys.file that authenticates every NTP server (chrony's `server ... key ID`).").PlaceHolder("ID").IsSetByUser(&f.ntpKeySet).Uint32Var(&f.ntpKey)
}

// authFlags are the flags of authenticated time of `run`: the servers',
// the peers' and the policy.
type authFlags struct {
	serverAuthFlags
	peersServerName       string
	required, peers       bool
	requiredSet, peersSet bool
	peersKey              uint32
	peersKeySet           bool
}

// addAuthFlags registers the NTS and symmetric-key flags on cmd.
func addAuthFlags(cmd *kingpin.CmdClause) *authFlags {
	f := &authFlags{}
	f.serverAuthFlags.register(cmd)
	cmd.Flag("nts.required", "Use only authenticated sources (NTS or a symmetric key); local ones (chronyd, ptp4l, a PHC) are exempt.").IsSetByUser(&f.requiredSet).BoolVar(&f.required)
	cmd.Flag("nts.peers", "Measure peers with NTS: the key exchange at each peer's host, port 4460 (the peers' --responder.nts.listen-address).").IsSetByUser(&f.peersSet).BoolVar(&f.peers)
	cmd.Flag("nts.peers-server-name", "The name every peer's certificate holds, when peers share a fleet certificate; by default each peer's address must be in its certificate.").PlaceHolder("NAME").StringVar(&f.peersServerName)
	cmd.Flag("keys.peers", "ID of the key in --keys.file that authenticates every peer.").PlaceHolder("ID").IsSetByUser(&f.peersKeySet).Uint32Var(&f.peersKey)
	return f
}

// merge combines the file's sections with the flags into c.Auth: flags
// override scalars and add to lists. Nil flags are the defaults.
func (f *authFlags) merge(c *agent.Config, n fileNTS, k fileKeys) {
	if f == nil {
		f = &authFlags{}
	}
	c.Auth = agent.AuthConfig{
		NTSServers:      append(append([]string{}, n.Servers...), f.ntsServers...),
		CAFile:          firstSet(f.caFile, n.CAFile),
		Required:        pickBool(f.requiredSet, f.required, n.Required),
		NTSPeers:        pickBool(f.peersSet, f.peers, n.Peers),
		PeersServerName: firstSet(f.peersServerName, n.PeersServerName),
		KeysFile:        firstSet(f.keysFile, k.File),
		NTPKey:          pickKey(f.ntpKeySet, f.ntpKey, k.NTP),
		PeersKey:        pickKey(f.peersKeySet, f.peersKey, k.Peers),
	}
}

// pickBool returns the flag when the user set it, else the file's value.
func pickBool(flagSet, flag bool, file *bool) bool {
	if flagSet || file == nil {
		return flag
	}
	return *file
}

// pickKey returns the flag when the user set it, else the file's key ID.
func pickKey(flagSet bool, flag uint32, file *uint32) uint32 {
	if flagSet || file == nil {
		return flag
	}
	return *file
}
