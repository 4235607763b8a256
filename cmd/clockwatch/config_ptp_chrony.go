package main

import (
	"github.com/alecthomas/kingpin/v2"
	"github.com/clockwatch/clockwatch/internal/agent"
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
	cmd.Flag("ptp.ptp4l-socket", "Read the local ptp4l's offset over its management socket (its uds_address, e.g. "+ptp.DefaultPtp4lSocket+").").PlaceHolder("PATH").StringVar(&f.ptp4lSocket)
	cmd.Flag("ptp.phc", "Measure against a PTP hardware clock of this host, by device (/dev/ptp0) or network interface (eth0).").PlaceHolder("DEVICE|INTERFACE").StringVar(&f.phc)
	cmd.Flag("ptp.server", "PTP grandmaster to measure directly, over the interface of the route to it. Repeatable.").PlaceHolder("ADDRESS").StringsVar(&f.servers)
	cmd.Flag("chrony.address", "Read the local chronyd's estimate over its command socket: udp://127.0.0.1:323 or unix:///run/chrony/chronyd.sock.").PlaceHolder("URL").StringVar(&f.chronyAddress)
	return f
}

// merge puts the file's sections and the flags into c: flags override
// scalars and add to lists.
func (f *ptpChronyFlags) merge(c *agent.Config, p filePTP, chrony fileChrony) {
	c.PTP = agent.PTPConfig{
		Ptp4lSocket: firstSet(f.ptp4lSocket, p.Ptp4lSocket),
		PHC:         firstSet(f.phc, p.PHC),
		Servers:     append(append([]string{}, p.Servers...), f.servers...),
	}
	c.ChronyAddress = firstSet(f.chronyAddress, chrony.Address)
}

// firstSet returns the flag when given, else the file's value.
func firstSet(flag, file string) string {
	if flag != "" {
		return flag
	}
	return file
}
