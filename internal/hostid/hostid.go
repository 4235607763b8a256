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
	"strings"
)

// Identity names a machine and the hardware its clock runs on. An empty
// field is unknown and matches anything.
type Identity struct {
	// Machine is derived from the operating system's machine id
	// (/etc/machine-id): it changes when a system is installed, not when
	// its disk is copied.
	Machine string `json:"machine,omitempty"`
	// Hardware is derived from the firmware's product UUID (readable by
	// root) and the CPU model: it changes when the system moves to other
	// hardware, a cloned virtual machine included.
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
	hardware := strings.Join([]string{
		read("sys/class/dmi/id/product_uuid"),
		cpuModel(filepath.Join(root, "proc/cpuinfo")),
	}, "\n")
	id := Identity{Machine: digest("machine", machine)}
	if strings.TrimSpace(hardware) != "" {
		id.Hardware = digest("hardware", hardware)
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

// maxCPUInfo caps how much of /proc/cpuinfo is read: the first CPU's model
// comes early.
const maxCPUInfo = 64 << 10

// cpuModel returns the first "model name" of a cpuinfo file, or "".
func cpuModel(path string) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(io.LimitReader(f, maxCPUInfo))
	for sc.Scan() {
		key, value, ok := strings.Cut(sc.Text(), ":")
		if ok && strings.TrimSpace(key) == "model name" {
			return strings.TrimSpace(value)
		}
	}
	return ""
}
