package discipline

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
)

// Steerer is a program found steering the system clock, or a sign of one.
type Steerer struct {
	// Name is the daemon: chronyd, ntpd, ptp4l, phc2sys,
	// systemd-timesyncd, or Unknown when only the kernel's state shows it.
	Name string
	// Evidence says what gave it away ("process 812", "socket
	// /run/chrony/chronyd.sock answers", ...).
	Evidence string
}

// Unknown names a steerer known only from the kernel's state.
const Unknown = "another program"

// Probe says where Detect looks for other daemons.
type Probe struct {
	// ProcDir is the proc file system ("/proc"): processes by name, UDP
	// ports in use.
	ProcDir string
	// Sockets are the daemons' well-known unix sockets (DefaultSockets).
	Sockets []Socket
	// Kernel is the kernel's discipline state; nil skips that check.
	Kernel *KernelState
}

// DefaultProbe looks at this host's /proc and default sockets and the
// given kernel state.
func DefaultProbe(kernel *KernelState) Probe {
	return Probe{ProcDir: "/proc", Sockets: DefaultSockets, Kernel: kernel}
}

// Detect returns every sign of another program steering the clock, in the
// order processes, sockets, kernel. Places it cannot read are skipped: the
// search is best effort, and an empty result is no guarantee.
func Detect(p Probe) []Steerer {
	var found []Steerer
	if p.ProcDir != "" {
		found = append(found, runningDaemons(p.ProcDir, os.Getpid())...)
		found = append(found, listeningDaemons(p.ProcDir)...)
	}
	found = append(found, answeringSockets(p.Sockets)...)
	if p.Kernel != nil {
		found = append(found, kernelSteerers(*p.Kernel)...)
	}
	return found
}

// ErrSteered is wrapped by Refusal's error.
var ErrSteered = errors.New("discipline: another program steers the system clock")

// Refusal returns nil when nothing was found, and otherwise an error
// wrapping ErrSteered that names every steerer, with its evidence, and how
// to proceed.
func Refusal(found []Steerer) error {
	if len(found) == 0 {
		return nil
	}
	var names, evidence, advice []string
	for _, s := range found {
		evidence = append(evidence, s.Name+" ("+s.Evidence+")")
		if !slices.Contains(names, s.Name) {
			names = append(names, s.Name)
			advice = append(advice, adviceFor(s.Name))
		}
	}
	return fmt.Errorf("%w: %s. Two programs steering one clock fight each other. %s; or run clockwatch without --discipline to measure only; or pass --discipline.force to steer anyway",
		ErrSteered, strings.Join(evidence, ", "), strings.Join(advice, "; "))
}

// adviceFor says how to stop one daemon from steering the clock.
func adviceFor(name string) string {
	switch name {
	case "chronyd":
		return "stop chronyd (systemctl disable --now chrony) or keep it and let clockwatch measure it (--chrony.address)"
	case "ntpd":
		return "stop ntpd (systemctl disable --now ntp, or ntpsec)"
	case "ptp4l", "phc2sys":
		return "stop phc2sys if it steers CLOCK_REALTIME (clockwatch can measure ptp4l with --ptp.ptp4l-socket); if ptp4l and phc2sys only steer a PTP hardware clock, --discipline.force is safe"
	case "systemd-timesyncd":
		return "stop systemd-timesyncd (timedatectl set-ntp false)"
	default:
		return "find and stop the program that adjusts the clock (adjtimex); a clockwatch that was killed while steering leaves the clock marked synchronized until the kernel's maximum error reaches 16 s"
	}
}
