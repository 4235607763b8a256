package main

import (
	"errors"
	"fmt"

	"github.com/alecthomas/kingpin/v2"
	"github.com/clockwatch/clockwatch/ntp"
	"github.com/clockwatch/clockwatch/ptp"
)

// filePTP is the ptp section of the configuration file:
//
//	ptp:
//	  ptp4l-socket: /var/run/ptp4l   # read the local ptp4l
//	  phc: eth0                      # a PHC, by device or interface
//	  servers: [192.0.2.20]          # grandmasters to measure directly
type filePTP struct {
	Ptp4lSocket string   `yaml:"ptp4l-socket"`
	PHC         string   `yaml:"phc"`
	Servers     []string `yaml:"servers"`
}

// fileChrony is the chrony section of the configuration file:
//
//	chrony:
//	  address: udp://127.0.0.1:323   # or unix:///run/chrony/chronyd.sock
type fileChrony struct {
	Address string `yaml:"address"`
}

// ptpChronyFlags are the flags of the PTP and chronyd sources.
type ptpChronyFlags struct {
	ptp4lSocket   string
	phc           string
	servers       []string
	chronyAddress string
}

// addPTPChronyFlags registers the PTP and chronyd source flags on cmd.
func addPTPChronyFlags(cmd *kingpin.CmdClause) *ptpChronyFlags {
	f := &ptpChronyFlags{}
	cmd.Flag("ptp.ptp4l-socket", "Read the local ptp4l's offset from its grandmaster over this management socket (ptp4l's uds_address, e.g. "+ptp.DefaultPtp4lSocket+"). Overrides ptp.ptp4l-socket of the configuration file.").PlaceHolder("PATH").StringVar(&f.ptp4lSocket)
	cmd.Flag("ptp.phc", "Measure against a PTP hardware clock of this host, by device (/dev/ptp0) or network interface (eth0). Overrides ptp.phc of the configuration file.").PlaceHolder("DEVICE|INTERFACE").StringVar(&f.phc)
	cmd.Flag("ptp.server", "PTP grandmaster to measure directly (multicast if it sends there, unicast negotiation otherwise); the interface is the one of the route to it. Repeatable; adds to ptp.servers of the configuration file.").PlaceHolder("ADDRESS").StringsVar(&f.servers)
	cmd.Flag("chrony.address", "Read the local chronyd's estimate and its sources over its command socket: udp://127.0.0.1:323 or unix:///run/chrony/chronyd.sock. Overrides chrony.address of the configuration file.").PlaceHolder("URL").StringVar(&f.chronyAddress)
	return f
}

// ptpChronyConfig is the merged configuration of the PTP and chronyd
// sources; empty fields are off.
type ptpChronyConfig struct {
	ptp4lSocket   string
	phc           string
	servers       []string
	chronyAddress string
}

// merge combines the file's sections with the flags: flags override
// scalars and add to lists.
func (f *ptpChronyFlags) merge(p filePTP, c fileChrony) ptpChronyConfig {
	return ptpChronyConfig{
		ptp4lSocket:   firstSet(f.ptp4lSocket, p.Ptp4lSocket),
		phc:           firstSet(f.phc, p.PHC),
		servers:       append(append([]string{}, p.Servers...), f.servers...),
		chronyAddress: firstSet(f.chronyAddress, c.Address),
	}
}

// firstSet returns the flag when given, else the file's value.
func firstSet(flag, file string) string {
	if flag != "" {
		return flag
	}
	return file
}

// enabled reports whether any PTP or chronyd source is configured.
func (c ptpChronyConfig) enabled() bool {
	return c.ptp4lSocket != "" || c.phc != "" || len(c.servers) > 0 || c.chronyAddress != ""
}

// validate checks addresses without touching the network.
func (c ptpChronyConfig) validate() error {
	if c.chronyAddress != "" {
		if _, _, err := ntp.ParseChronyAddress(c.chronyAddress); err != nil {
			return fmt.Errorf("config: %w", err)
		}
	}
	seen := map[string]bool{}
	for _, s := range c.servers {
		if seen[s] {
			return fmt.Errorf("config: PTP server %s is listed twice", s)
		}
		seen[s] = true
		if _, err := ptp.NewClientSource(s, ptp.ClientConfig{}, nil); err != nil {
			return fmt.Errorf("config: %w", err)
		}
	}
	return nil
}

// errNoSources says what to configure when nothing is.
var errNoSources = errors.New("no sources: give --ntp.server HOST (repeatable) or ntp.servers in --config.file, peers (--peer, --peers.dns, --peers.srv), " +
	"or a PTP or chronyd source (--ptp.ptp4l-socket, --ptp.phc, --ptp.server, --chrony.address)")
