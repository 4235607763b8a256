package hostid

import (
	"os"
	"path/filepath"
	"testing"
)

// writeRoot makes a root directory holding files (path → content).
func writeRoot(t *testing.T, files map[string]string) string {
	t.Helper()
	root := t.TempDir()
	for path, content := range files {
		full := filepath.Join(root, path)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

func TestLocal(t *testing.T) {
	base := map[string]string{
		"etc/machine-id":                               "0123456789abcdef0123456789abcdef\n",
		"sys/class/dmi/id/sys_vendor":                  "Example Inc.\n",
		"sys/class/dmi/id/product_name":                "Server 1000\n",
		"sys/class/dmi/id/bios_version":                "1.0.0\n",
		"sys/class/net/eth0/address":                   "52:54:00:12:34:56\n",
		"sys/class/net/eth0/device/vendor":             "0x1af4\n",
		"sys/class/net/eth1/address":                   "00:11:22:33:44:55\n",
		"sys/class/net/eth1/bonding_slave/perm_hwaddr": "52:54:00:65:43:21\n",
		"sys/class/net/eth1/device/vendor":             "0x8086\n",
		"sys/class/net/lo/address":                     "00:00:00:00:00:00\n",
		"sys/class/net/docker0/address":                "02:42:ac:11:00:01\n",
		// Root's alone, and hidden from the agent's unit: never read.
		"sys/class/dmi/id/product_uuid": "4c4c4544-0000-1000-8000-000000000000\n",
		"proc/cpuinfo":                  "processor\t: 0\nmodel name\t: Example CPU @ 2.0GHz\n",
	}
	// with returns base changed by change: a path mapped to "" is removed.
	with := func(change map[string]string) map[string]string {
		files := map[string]string{}
		for k, v := range base {
			files[k] = v
		}
		for k, v := range change {
			if v == "" {
				delete(files, k)
			} else {
				files[k] = v
			}
		}
		return files
	}
	here := Local(writeRoot(t, base))
	if here.Machine == "" || here.Hardware == "" {
		t.Fatalf("identity not read: %+v", here)
	}
	if len(here.Machine) != 32 || here.Machine == "0123456789abcdef0123456789abcdef" {
		t.Errorf("machine id not hashed: %q", here.Machine)
	}
	tests := []struct {
		name   string
		change map[string]string
		want   string
	}{
		{"same machine", nil, ""},
		{"cloned virtual machine with a new interface address", map[string]string{"sys/class/net/eth0/address": "52:54:00:ab:cd:ef\n"}, "hardware"},
		{"cloned disk in another model of server", map[string]string{"sys/class/dmi/id/product_name": "Server 2000\n"}, "hardware"},
		{"bonded interface's permanent address changed", map[string]string{"sys/class/net/eth1/bonding_slave/perm_hwaddr": "52:54:00:00:00:01\n"}, "hardware"},
		{"interface added", map[string]string{"sys/class/net/eth2/address": "52:54:00:00:00:02\n", "sys/class/net/eth2/device/vendor": "0x1af4\n"}, "hardware"},
		{"bond's shared address changed", map[string]string{"sys/class/net/eth1/address": "00:11:22:33:44:66\n"}, ""},
		{"virtual interface added", map[string]string{"sys/class/net/veth0/address": "ae:01:02:03:04:05\n"}, ""},
		{"firmware updated", map[string]string{"sys/class/dmi/id/bios_version": "1.0.1\n"}, ""},
		{"read without root under the unit", map[string]string{"sys/class/dmi/id/product_uuid": "", "proc/cpuinfo": ""}, ""},
		{"reinstalled", map[string]string{"etc/machine-id": "fedcba9876543210fedcba9876543210\n"}, "machine"},
		{"dbus machine id when systemd's is missing", map[string]string{
			"etc/machine-id": "", "var/lib/dbus/machine-id": base["etc/machine-id"],
		}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := here.Mismatch(Local(writeRoot(t, with(tc.change)))); got != tc.want {
				t.Errorf("mismatch %q, want %q", got, tc.want)
			}
		})
	}
}

func TestUnknownPartsMatchAnything(t *testing.T) {
	empty := Local(t.TempDir())
	if empty != (Identity{}) {
		t.Fatalf("nothing readable, identity %+v", empty)
	}
	known := Identity{Machine: "a", Hardware: "b"}
	if m := known.Mismatch(empty); m != "" {
		t.Errorf("unknown identity mismatches: %q", m)
	}
	if m := empty.Mismatch(known); m != "" {
		t.Errorf("unknown identity mismatches: %q", m)
	}
}
