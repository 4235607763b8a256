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
		"etc/machine-id":                "0123456789abcdef0123456789abcdef\n",
		"sys/class/dmi/id/product_uuid": "4c4c4544-0000-1000-8000-000000000000\n",
		"proc/cpuinfo":                  "processor\t: 0\nmodel name\t: Example CPU @ 2.0GHz\nflags\t\t: fpu\n",
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
		{"cloned disk on other hardware", map[string]string{"sys/class/dmi/id/product_uuid": "other-uuid\n"}, "hardware"},
		{"moved to another CPU", map[string]string{"proc/cpuinfo": "model name\t: Another CPU\n"}, "hardware"},
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
