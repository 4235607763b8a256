package discipline

import (
	"errors"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// fakeProc makes a proc directory with processes by name and a UDP table
// with the given local ports bound.
func fakeProc(t *testing.T, comms map[string]string, udpPorts ...string) string {
	t.Helper()
	dir := t.TempDir()
	for pid, comm := range comms {
		write(t, filepath.Join(dir, pid, "comm"), comm+"\n")
	}
	table := "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops\n"
	for i, port := range udpPorts {
		table += "  " + string(rune('0'+i)) + ": 0100007F:" + port + " 00000000:0000 07 00000000:00000000 00:00000000 00000000   108        0 1234 2 0000000000000000 0\n"
	}
	write(t, filepath.Join(dir, "net", "udp"), table)
	return dir
}

func write(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// listening returns a unix datagram socket path a daemon listens on, and
// a stale one: its file is left but nobody listens.
func listening(t *testing.T) (live, stale string) {
	t.Helper()
	dir, err := os.MkdirTemp("", "sock")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	live, stale = filepath.Join(dir, "live.sock"), filepath.Join(dir, "stale.sock")
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: live, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	old, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: stale, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	old.Close()
	return live, stale
}

func TestDetect(t *testing.T) {
	live, stale := listening(t)
	tests := []struct {
		name  string
		probe func(t *testing.T) Probe
		want  []Steerer
	}{
		{
			name: "nothing",
			probe: func(t *testing.T) Probe {
				return Probe{ProcDir: fakeProc(t, map[string]string{"1": "systemd", "77": "bash"}), Kernel: &KernelState{Status: StatusUnsync}}
			},
		},
		{
			name: "processes",
			probe: func(t *testing.T) Probe {
				return Probe{ProcDir: fakeProc(t, map[string]string{"1": "systemd", "812": "chronyd", "900": "systemd-timesyn", "901": "phc2sys"})}
			},
			want: []Steerer{{"chronyd", "process 812"}, {"systemd-timesyncd", "process 900"}, {"phc2sys", "process 901"}},
		},
		{
			name: "well-known ports",
			probe: func(t *testing.T) Probe {
				return Probe{ProcDir: fakeProc(t, nil, "0143", "007B", "1F90")}
			},
			want: []Steerer{daemonPorts[323], daemonPorts[123]},
		},
		{
			name: "sockets that answer, not stale ones",
			probe: func(t *testing.T) Probe {
				return Probe{Sockets: []Socket{{"chronyd", live, "unixgram"}, {"ptp4l", stale, "unixgram"}, {"ptp4l", filepath.Join(t.TempDir(), "missing"), "unixgram"}}}
			},
			want: []Steerer{{"chronyd", "socket " + live + " answers"}},
		},
		{
			name: "kernel state",
			probe: func(t *testing.T) Probe {
				return Probe{Kernel: &KernelState{Status: StatusPLL, Offset: 300 * time.Microsecond, MaxError: 20 * time.Millisecond}}
			},
			want: []Steerer{
				{Unknown, "the kernel PLL is on (adjtimex status STA_PLL/STA_FLL), as ntpd runs it"},
				{Unknown, "the kernel is slewing an offset of 300µs (adjtime or the kernel PLL)"},
				{Unknown, "the kernel clock is marked synchronized, maximum error 20ms"},
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := Detect(tc.probe(t))
			slices.SortStableFunc(got, func(a, b Steerer) int { return strings.Compare(a.Evidence, b.Evidence) })
			want := slices.Clone(tc.want)
			slices.SortStableFunc(want, func(a, b Steerer) int { return strings.Compare(a.Evidence, b.Evidence) })
			if !slices.Equal(got, want) {
				t.Fatalf("found %+v, want %+v", got, want)
			}
		})
	}
}

func TestRefusal(t *testing.T) {
	if err := Refusal(nil); err != nil {
		t.Fatalf("refused with nothing found: %v", err)
	}
	err := Refusal([]Steerer{{"chronyd", "process 812"}, {"chronyd", "socket /run/chrony/chronyd.sock answers"}, {Unknown, "the kernel PLL is on"}})
	if !errors.Is(err, ErrSteered) {
		t.Fatalf("error %v does not wrap ErrSteered", err)
	}
	for _, want := range []string{"chronyd (process 812)", "chronyd (socket /run/chrony/chronyd.sock answers)", "systemctl disable --now chrony", "--chrony.address", "--discipline.force", "without --discipline", "killed while steering"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("refusal %q does not say %q", err, want)
		}
	}
	if strings.Count(err.Error(), "stop chronyd") != 1 {
		t.Errorf("advice for chronyd repeated: %q", err)
	}
}
