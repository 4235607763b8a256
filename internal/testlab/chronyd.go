package testlab

import (
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// Chronyd runs a real chronyd that never touches the clock (-x), with the
// configuration lines conf plus a pid file in dir, and stops it at the end
// of the test; its log is shown if the test fails. It skips the test when
// chronyd is missing or we are not root.
func Chronyd(t testing.TB, dir, conf string) {
	t.Helper()
	StartChronyd(t, dir, conf)
}

// StartChronyd is Chronyd that returns a function to stop chronyd before
// the test ends (to restart it); stopping twice is harmless.
func StartChronyd(t testing.TB, dir, conf string) (stop func()) {
	t.Helper()
	return StartChronydIn(t, "", dir, conf)
}

// StartChronydIn is StartChronyd in network namespace netns (a name `ip
// netns` knows); "" is the test's own.
func StartChronydIn(t testing.TB, netns, dir, conf string) (stop func()) {
	t.Helper()
	path, err := exec.LookPath("chronyd")
	if err != nil {
		t.Skip("chronyd not installed (Debian package chrony; make test installs it)")
	}
	if os.Geteuid() != 0 {
		t.Skip("chronyd -u root needs root")
	}
	conf += fmt.Sprintf("pidfile %s\n", filepath.Join(dir, "chronyd.pid"))
	confPath := filepath.Join(dir, "chrony.conf")
	if err := os.WriteFile(confPath, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(path, "-x", "-u", "root", "-d", "-f", confPath)
	if netns != "" {
		cmd = exec.Command("ip", "netns", "exec", netns, path, "-x", "-u", "root", "-d", "-f", confPath)
	}
	logs := &Buffer{}
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var once sync.Once
	stop = func() {
		once.Do(func() {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		})
	}
	t.Cleanup(func() {
		stop()
		if t.Failed() {
			t.Logf("chronyd (%s) logs:\n%s", confPath, logs.String())
		}
	})
	return stop
}

// ChronydServer runs a chronyd serving NTP on loopback from this machine's
// clock (local stratum 1; the true offset of a client here is 0) and
// returns its address.
func ChronydServer(t testing.TB) string {
	t.Helper()
	port := FreeUDPPort(t)
	Chronyd(t, t.TempDir(), fmt.Sprintf("local stratum 1\nallow 127.0.0.1\nport %d\ncmdport 0\n", port))
	return fmt.Sprintf("127.0.0.1:%d", port)
}

// ChronydKeyedServer is ChronydServer that also answers requests signed
// with the symmetric keys of keyFile (chrony's keyfile directive). It may
// still be starting when this returns.
func ChronydKeyedServer(t testing.TB, keyFile string) string {
	t.Helper()
	port := FreeUDPPort(t)
	Chronyd(t, t.TempDir(), fmt.Sprintf("local stratum 1\nallow 127.0.0.1\nport %d\ncmdport 0\nbindaddress 127.0.0.1\nkeyfile %s\n", port, keyFile))
	return fmt.Sprintf("127.0.0.1:%d", port)
}

// ChronydCommands is where a test reaches a chronyd's commands.
type ChronydCommands struct {
	// UDP is its command port on loopback: udp://127.0.0.1:PORT.
	UDP string
	// Socket is the path of its unix command socket, which also takes the
	// commands chronyd refuses over UDP (serverstats, minpoll, ...).
	Socket string
}

// MeasuringChronyd runs a chronyd that only measures (-x) the NTP servers
// given as HOST:PORT, each polled 4 times a second (options of chrony's
// server directive may follow after a space: "127.0.0.2:4123 noselect"). It
// serves no NTP and takes commands on a UDP port of loopback and a unix
// socket.
func MeasuringChronyd(t testing.TB, servers ...string) ChronydCommands {
	t.Helper()
	return MeasuringChronydWith(t, "", servers...)
}

// MeasuringChronydWith is MeasuringChronyd with more configuration lines
// (keyfile, ntstrustedcerts, ...).
func MeasuringChronydWith(t testing.TB, conf string, servers ...string) ChronydCommands {
	t.Helper()
	dir, err := os.MkdirTemp("", "cw-chrony") // short, and private as chronyd wants its socket's directory
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	var b strings.Builder
	b.WriteString(conf)
	for _, s := range servers {
		addr, options, _ := strings.Cut(s, " ")
		host, port, err := net.SplitHostPort(addr)
		if err != nil {
			t.Fatalf("chronyd server %q: %v", s, err)
		}
		fmt.Fprintf(&b, "server %s port %s iburst minpoll -2 maxpoll -2 %s\n", host, port, options)
	}
	cmd := ChronydCommands{UDP: fmt.Sprintf("udp://127.0.0.1:%d", FreeUDPPort(t)), Socket: filepath.Join(dir, "chronyd.sock")}
	fmt.Fprintf(&b, "port 0\ncmdport %s\nbindcmdaddress 127.0.0.1\nbindcmdaddress %s\n", strings.TrimPrefix(cmd.UDP, "udp://127.0.0.1:"), cmd.Socket)
	Chronyd(t, dir, b.String())
	return cmd
}

// FreeUDPPort returns a UDP port on loopback that was free a moment ago,
// for a chronyd to bind (freePort).
func FreeUDPPort(t testing.TB) int {
	t.Helper()
	return freePort(t, func(addr string) (io.Closer, error) { return net.ListenPacket("udp4", addr) })
}

// FreeTCPPort returns a TCP port on loopback that was free a moment ago,
// for a chronyd's NTS key exchange to listen on (freePort).
func FreeTCPPort(t testing.TB) int {
	t.Helper()
	return freePort(t, func(addr string) (io.Closer, error) { return net.Listen("tcp4", addr) })
}

// freePort returns a port of loopback that bind could take a moment ago.
// It lies below the kernel's ephemeral range: the port the kernel gives
// port 0 is soon given again to one of the many sockets the tests' NTP
// queries and key exchanges open, which took it before chronyd could
// (chronyd: "Could not open NTP socket").
func freePort(t testing.TB, bind func(addr string) (io.Closer, error)) int {
	t.Helper()
	first := ephemeralPortsStart()
	for range 1000 {
		port := minTestPort + rand.IntN(first-minTestPort)
		if c, err := bind(fmt.Sprintf("127.0.0.1:%d", port)); err == nil {
			c.Close()
			return port
		}
	}
	t.Fatalf("no free port on loopback between %d and %d", minTestPort, first)
	return 0
}

// minTestPort is the lowest port FreeUDPPort gives, above the ports
// services usually listen on.
const minTestPort = 20000

// ephemeralPortsStart is the first port of the kernel's ephemeral range
// (32768 when it cannot be read, Linux's default).
func ephemeralPortsStart() int {
	const linuxDefault = 32768
	b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range")
	if err != nil {
		return linuxDefault
	}
	var first, last int
	if _, err := fmt.Sscan(string(b), &first, &last); err != nil || first <= minTestPort+1000 {
		return linuxDefault
	}
	return first
}

// Chronyc runs `chronyc -c` with args against the command socket and
// returns its CSV rows, each split into fields; an error while chronyd is
// still starting, too.
func (c ChronydCommands) Chronyc(args ...string) ([][]string, error) {
	out, err := exec.Command("chronyc", append([]string{"-c", "-h", c.Socket}, args...)...).CombinedOutput()
	if err != nil {
		return nil, fmt.Errorf("chronyc %s: %w: %s", strings.Join(args, " "), err, out)
	}
	var rows [][]string
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if line != "" {
			rows = append(rows, strings.Split(line, ","))
		}
	}
	return rows, nil
}
