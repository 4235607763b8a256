// Package hostid tells one machine from another, so that state saved on one
// (the measured drift of its clock) is not taken for another's after a disk
// is cloned, a backup restored or a virtual machine moved to new hardware.
//
// Identities are hashed with a clockwatch-specific prefix, as systemd
// recommends for /etc/machine-id: the state file never holds the raw ids.
package hostid

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Identity names a machine and the hardware its clock runs on. An empty
// field is unknown and matches anything.
type Identity struct {
	// Machine is derived from the operating system's machine id
	// (/etc/machine-id): it changes when a system is installed, not when
	// its disk is copied.
	Machine string `json:"machine,omitempty"`
	// Hardware is derived from what any user can read of the hardware, so
	// that root and the agent's own unprivileged user (under the systemd
	// unit, which also hides /proc/cpuinfo) see the same: the firmware's
	// system and board names and the permanent addresses of the network
	// interfaces that are devices. It changes when the system moves to
	// other hardware, a cloned virtual machine with new interface addresses
	// included, and when an interface is added or removed.
	Hardware string `json:"hardware,omitempty"`
}

// Mismatch returns which part of id differs from other ("machine",
// "hardware"), or "" when neither is known to differ.
func (id Identity) Mismatch(other Identity) string {
	switch {
	case differ(id.Machine, other.Machine):
		return "machine"
	case differ(id.Hardware, other.Hardware):
		return "hardware"
	default:
		return ""
	}
}

func differ(a, b string) bool { return a != "" && b != "" && a != b }

// Local returns this machine's identity, read under root ("/" on a host).
// Files that cannot be read leave their part unknown.
func Local(root string) Identity {
	read := func(path string) string {
		return firstLine(filepath.Join(root, path))
	}
	machine := read("etc/machine-id")
	if machine == "" {
		machine = read("var/lib/dbus/machine-id")
	}
	var hardware []string
	for _, name := range firmwareNames {
		hardware = append(hardware, read(filepath.Join("sys/class/dmi/id", name)))
	}
	hardware = append(hardware, interfaceAddresses(filepath.Join(root, "sys/class/net"))...)
	id := Identity{Machine: digest("machine", machine)}
	if joined := strings.Join(hardware, "\n"); strings.TrimSpace(joined) != "" {
		id.Hardware = digest("hardware", joined)
	}
	return id
}

// digest hashes a raw id for one purpose; "" stays "".
func digest(purpose, raw string) string {
	if raw == "" {
		return ""
	}
	sum := sha256.Sum256([]byte("clockwatch state " + purpose + "\x00" + raw))
	return hex.EncodeToString(sum[:16])
}

// maxIDFile caps how much of an id file is read.
const maxIDFile = 4096

// firstLine returns the first line of a small file, trimmed; "" if it
// cannot be read.
func firstLine(path string) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	line, _ := bufio.NewReader(io.LimitReader(f, maxIDFile)).ReadString('\n')
	return strings.TrimSpace(line)
}

// firmwareNames are the files of /sys/class/dmi/id that name the machine
// and that every user may read (product_uuid and the serial numbers are
// root's alone). Firmware versions are left out: an update is not a move.
var firmwareNames = []string{"sys_vendor", "product_name", "board_vendor", "board_name"}

// interfaceAddresses returns the sorted permanent link-layer addresses of
// the network interfaces under dir (/sys/class/net) that are devices, real
// or emulated; virtual ones (loopback, bridges, veth, bonds, tunnels) have
// no device and are left out. A bonded interface's permanent address is
// read from its bonding_slave directory, as its own address is the bond's.
func interfaceAddresses(dir string) []string {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil
	}
	var addrs []string
	for _, e := range entries {
		iface := filepath.Join(dir, e.Name())
		if _, err := os.Lstat(filepath.Join(iface, "device")); err != nil {
			continue
		}
		addr := firstLine(filepath.Join(iface, "bonding_slave", "perm_hwaddr"))
		if addr == "" {
			addr = firstLine(filepath.Join(iface, "address"))
		}
		if addr != "" && strings.Trim(addr, "0:") != "" {
			addrs = append(addrs, addr)
		}
	}
	sort.Strings(addrs)
	return addrs
}
