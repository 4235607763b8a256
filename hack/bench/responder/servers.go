//go:build linux

package main

import (
	"bufio"
	"bytes"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// server is an NTP server process under test.
type server struct {
	name string
	addr netip.AddrPort
	cmd  *exec.Cmd
	logs *bytes.Buffer
	// metrics is the agent's /metrics URL; empty for chronyd.
	metrics string
}

// stop ends the process.
func (s *server) stop() {
	_ = s.cmd.Process.Kill()
	_ = s.cmd.Wait()
}

// cpuTime is the CPU time (user + system) the process has used so far.
func (s *server) cpuTime() (time.Duration, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", s.cmd.Process.Pid))
	if err != nil {
		return 0, err
	}
	// Fields after the command name, which is in parentheses: utime and
	// stime are the 12th and 13th of them, in clock ticks (USER_HZ = 100).
	fields := strings.Fields(string(data[bytes.LastIndexByte(data, ')')+1:]))
	utime, err1 := strconv.ParseInt(fields[11], 10, 64)
	stime, err2 := strconv.ParseInt(fields[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("unreadable /proc/%d/stat", s.cmd.Process.Pid)
	}
	return time.Duration(utime+stime) * 10 * time.Millisecond, nil
}

// startChronyd runs chronyd serving NTP on addr from this machine's clock,
// without touching the clock (-x) and with no rate limit.
func startChronyd(dir string, addr netip.AddrPort) (*server, error) {
	path, err := exec.LookPath("chronyd")
	if err != nil {
		return nil, fmt.Errorf("chronyd not found (install the Debian package chrony): %w", err)
	}
	conf := fmt.Sprintf("local stratum 1\nallow all\nbindaddress %s\nport %d\ncmdport 0\npidfile %s\n",
		addr.Addr(), addr.Port(), filepath.Join(dir, "chronyd.pid"))
	confPath := filepath.Join(dir, "chrony.conf")
	if err := os.WriteFile(confPath, []byte(conf), 0o644); err != nil {
		return nil, err
	}
	s := &server{name: "chronyd", addr: addr, cmd: pinned(path, "-x", "-u", "root", "-d", "-f", confPath), logs: &bytes.Buffer{}}
	return s, s.start()
}

// startAgent runs `clockwatch run` measuring upstream and answering peers
// on addr, with the given responder rate limit (0: none).
func startAgent(binary string, addr, upstream netip.AddrPort, rateLimit string) (*server, error) {
	web, err := freeTCPAddr()
	if err != nil {
		return nil, err
	}
	s := &server{name: "clockwatch", addr: addr, logs: &bytes.Buffer{}, metrics: "http://" + web + "/metrics"}
	s.cmd = pinned(binary, "run", "--ntp.server", upstream.String(), "--responder.listen-address", addr.String(),
		"--responder.rate-limit", rateLimit, "--web.listen-address", web, "--state.dir=", "--shm.path=", "--poll.interval=1s")
	return s, s.start()
}

// serverCPU is the core servers run on when the benchmark pins; the load
// generator takes the others.
const serverCPU = 1

// pinning is set when servers and load generator run on separate cores.
var pinning bool

// pinned is the command to run a server, on serverCPU when pinning.
func pinned(name string, args ...string) *exec.Cmd {
	if !pinning {
		return exec.Command(name, args...)
	}
	return exec.Command("taskset", append([]string{"-c", strconv.Itoa(serverCPU), name}, args...)...)
}

// pinSelf moves every thread of this process off serverCPU, or back onto
// every CPU when off is false; threads made later inherit it.
func pinSelf(off bool) error {
	var set unix.CPUSet
	set.Zero()
	for cpu := range runtime.NumCPU() {
		set.Set(cpu)
	}
	if off {
		set.Clear(serverCPU)
	}
	if set.Count() == 0 {
		return fmt.Errorf("pinning needs at least two CPUs")
	}
	tasks, err := os.ReadDir("/proc/self/task")
	if err != nil {
		return err
	}
	for _, task := range tasks {
		tid, err := strconv.Atoi(task.Name())
		if err != nil {
			continue
		}
		if err := unix.SchedSetaffinity(tid, &set); err != nil {
			return fmt.Errorf("pin thread %d: %w", tid, err)
		}
	}
	return nil
}

// start runs the process and waits until it answers NTP.
func (s *server) start() error {
	s.cmd.Stdout, s.cmd.Stderr = s.logs, s.logs
	if err := s.cmd.Start(); err != nil {
		return fmt.Errorf("start %s: %w", s.name, err)
	}
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if answers(s.addr) {
			return nil
		}
	}
	s.stop()
	return fmt.Errorf("%s does not answer NTP on %s:\n%s", s.name, s.addr, s.logs)
}

// answers reports whether an NTP server replies on addr.
func answers(addr netip.AddrPort) bool {
	conn, err := net.DialUDP("udp", nil, net.UDPAddrFromAddrPort(addr))
	if err != nil {
		return false
	}
	defer conn.Close()
	req := make([]byte, 48)
	req[0] = 4<<3 | 3
	_, _ = conn.Write(req)
	_ = conn.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
	_, err = conn.Read(make([]byte, 1500))
	return err == nil
}

// scrape returns the lines of the agent's /metrics that start with prefix.
func (s *server) scrape(prefix string) []string {
	resp, err := http.Get(s.metrics)
	if err != nil {
		return []string{err.Error()}
	}
	defer resp.Body.Close()
	var out []string
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if strings.HasPrefix(sc.Text(), prefix) {
			out = append(out, sc.Text())
		}
	}
	return out
}

// byteCounts are a responder's UDP payload bytes in and out so far; known
// is false when the agent does not export them (older versions).
type byteCounts struct {
	in, out float64
	known   bool
}

// responderBytes scrapes the agent's responder byte counters.
func (s *server) responderBytes() byteCounts {
	var b byteCounts
	for _, line := range s.scrape("clockwatch_responder_") {
		name, value, _ := strings.Cut(line, " ")
		v, err := strconv.ParseFloat(value, 64)
		switch {
		case err != nil:
		case name == "clockwatch_responder_received_bytes_total":
			b.in, b.known = v, true
		case name == "clockwatch_responder_sent_bytes_total":
			b.out = v
		}
	}
	return b
}

// ratioSince is bytes out per byte in since before, "n/a" when unknown.
func (b byteCounts) ratioSince(before byteCounts) string {
	in := b.in - before.in
	if !b.known || !before.known || in <= 0 {
		return "n/a"
	}
	return fmt.Sprintf("%.3f", (b.out-before.out)/in)
}

// freeUDPPort returns a UDP address on ip that was free a moment ago.
func freeUDPPort(ip string) (netip.AddrPort, error) {
	c, err := net.ListenPacket("udp4", ip+":0")
	if err != nil {
		return netip.AddrPort{}, err
	}
	defer c.Close()
	return c.LocalAddr().(*net.UDPAddr).AddrPort(), nil
}

// freeTCPAddr returns a loopback TCP address that was free a moment ago.
func freeTCPAddr() (string, error) {
	l, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}
