package main

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/clockwatch/clockwatch/hack/bench/chronylab"
)

// lab is the work directory and the processes of one run.
type lab struct {
	dir        string
	clockwatch string
	// webAddress is where clockwatch serves /metrics.
	webAddress string
	procs      []*exec.Cmd
}

// newLab makes the work directory and, unless given, builds clockwatch as a
// release does (hack/dist): static, stripped, without local paths.
func newLab(ctx context.Context, clockwatch string) (*lab, error) {
	if _, err := exec.LookPath("chronyd"); err != nil {
		return nil, fmt.Errorf("chronyd not found (Debian: apt-get install chrony)")
	}
	if os.Geteuid() != 0 {
		return nil, fmt.Errorf("chronyd -u root needs root: run as root")
	}
	dir, err := os.MkdirTemp("", "clockwatch-footprint-")
	if err != nil {
		return nil, err
	}
	l := &lab{dir: dir, clockwatch: clockwatch}
	if l.clockwatch == "" {
		l.clockwatch = filepath.Join(dir, "clockwatch")
		build := exec.CommandContext(ctx, "go", "build", "-trimpath", "-ldflags=-s -w", "-o", l.clockwatch, "./cmd/clockwatch")
		build.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := build.CombinedOutput(); err != nil {
			os.RemoveAll(dir)
			return nil, fmt.Errorf("build clockwatch (run from the repository root): %w\n%s", err, out)
		}
	}
	return l, nil
}

// close stops every process and removes the work directory.
func (l *lab) close() {
	for _, p := range l.procs {
		_ = p.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { _ = p.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(3 * time.Second):
			_ = p.Process.Kill()
			<-done
		}
	}
	os.RemoveAll(l.dir)
}

// start runs a process logging to name.log in the work directory.
func (l *lab) start(name string, args ...string) (*exec.Cmd, error) {
	log, err := os.Create(filepath.Join(l.dir, name+".log"))
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		log.Close()
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	l.procs = append(l.procs, cmd)
	return cmd, nil
}

// chronyd runs chronyd -x with the configuration lines conf, in a
// directory of its own.
func (l *lab) chronyd(name, conf string) (*exec.Cmd, error) {
	dir := filepath.Join(l.dir, name)
	if err := os.Mkdir(dir, 0o755); err != nil {
		return nil, err
	}
	conf += fmt.Sprintf("cmdport 0\nbindcmdaddress %s\npidfile %s\n", filepath.Join(dir, "chronyd.sock"), filepath.Join(dir, "chronyd.pid"))
	path := filepath.Join(dir, "chronyd.conf")
	if err := os.WriteFile(path, []byte(conf), 0o600); err != nil {
		return nil, err
	}
	return l.start(name, "chronyd", "-x", "-d", "-u", "root", "-f", path)
}

// startServers runs n chronyd servers serving this machine's clock on
// loopback and returns their addresses: each on an address of its own
// (127.0.0.1, 127.0.0.2, ...), as chronyd takes one source per address and
// refuses a second server on the same one.
func (l *lab) startServers(n int) ([]string, error) {
	var addrs []string
	for i := range n {
		ip := chronylab.LoopbackIP(i)
		port, err := freeUDPPort(ip)
		if err != nil {
			return nil, err
		}
		conf := fmt.Sprintf("local stratum 1\nallow 127.0.0.0/8\nbindaddress %s\nport %d\n", ip, port)
		if _, err := l.chronyd(fmt.Sprintf("server%d", i+1), conf); err != nil {
			return nil, err
		}
		addrs = append(addrs, netip.AddrPortFrom(ip, uint16(port)).String())
	}
	return addrs, nil
}

// client is one process under measurement.
type client struct {
	name string
	pid  int
}

// startClients runs clockwatch and chronyd -x, each polling every server
// every second, and returns them in that order.
func (l *lab) startClients(servers []string) ([]client, error) {
	port, err := freeTCPPort()
	if err != nil {
		return nil, err
	}
	l.webAddress = fmt.Sprintf("127.0.0.1:%d", port)
	args := []string{l.clockwatch, "run", "--poll.interval=1s", "--web.listen-address=" + l.webAddress, "--state.dir=", "--shm.path="}
	var conf strings.Builder
	for _, s := range servers {
		args = append(args, "--ntp.server="+s)
		host, port, _ := strings.Cut(s, ":")
		fmt.Fprintf(&conf, "server %s port %s minpoll 0 maxpoll 0 iburst\n", host, port)
	}
	cw, err := l.start("clockwatch", args...)
	if err != nil {
		return nil, err
	}
	chrony, err := l.chronyd("chronyd-client", conf.String())
	if err != nil {
		return nil, err
	}
	if err := chronylab.WaitForSources(filepath.Join(l.dir, "chronyd-client.log"), 30*time.Second); err != nil {
		return nil, err
	}
	return []client{{name: "clockwatch", pid: cw.Process.Pid}, {name: "chronyd", pid: chrony.Process.Pid}}, nil
}

// freeTCPPort returns a TCP port of 127.0.0.1 that was free a moment ago.
func freeTCPPort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// freeUDPPort returns a UDP port of ip that was free a moment ago.
func freeUDPPort(ip netip.Addr) (int, error) {
	c, err := net.ListenUDP("udp4", net.UDPAddrFromAddrPort(netip.AddrPortFrom(ip, 0)))
	if err != nil {
		return 0, err
	}
	defer c.Close()
	return c.LocalAddr().(*net.UDPAddr).Port, nil
}
