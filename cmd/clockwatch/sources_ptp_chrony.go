package main

import (
	"log/slog"
	"time"

	"github.com/clockwatch/clockwatch/ntp"
	"github.com/clockwatch/clockwatch/ptp"
)

// ptpInterval is how often the PTP sources measure: local sockets and PTP
// messages are cheap, and PTP grandmasters send a Sync every second or so.
const ptpInterval = time.Second

// ptpChronySources makes the PTP and chronyd sources of c; chronyd is
// polled every poll interval.
func ptpChronySources(c ptpChronyConfig, poll time.Duration, logger *slog.Logger) ([]source, error) {
	var out []source
	if c.ptp4lSocket != "" {
		out = append(out, ptp.NewPtp4lSource(ptp.Ptp4lConfig{Socket: c.ptp4lSocket, Interval: ptpInterval, PHC: c.phc}, logger))
	}
	if c.phc != "" {
		out = append(out, ptp.NewPHCSource(c.phc, ptpInterval, logger))
	}
	for _, server := range c.servers {
		s, err := ptp.NewClientSource(server, ptp.ClientConfig{Interval: ptpInterval}, logger)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	if c.chronyAddress != "" {
		s, err := ntp.NewChronySource(c.chronyAddress, poll, logger)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}
