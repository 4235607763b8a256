package main

import (
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// shift is what libfaketime does to a process's clock: from the process's
// start on, it reads offset + rate × (time since start) ahead of the real
// clock.
type shift struct {
	offset time.Duration
	rate   float64
	since  time.Time
}

// at is the shifted clock minus the real clock at real time t.
func (s shift) at(t time.Time) time.Duration {
	return s.offset + time.Duration(s.rate*float64(t.Sub(s.since)))
}

// faketime is the FAKETIME value that makes the shift.
func (s shift) faketime() string {
	return fmt.Sprintf("%+.9f x%.9f", s.offset.Seconds(), 1+s.rate)
}

// referenceOffset and referenceRate are how far the check's server is
// from this machine's clock: FAKETIME="+0.037 x1.000025".
const (
	referenceOffset = 37 * time.Millisecond
	referenceRate   = 25e-6
)

// serverPriority is the SCHED_FIFO priority the servers run with (chronyd
// -P): they stamp packets in user space, and a busy machine would
// otherwise make them stamp late.
const serverPriority = "20"

// referenceServer is a chronyd serving its shifted clock as stratum 1.
type referenceServer struct {
	name string
	port int
	lab  *lab
	proc *process
	// shifts are the server's clock shifts, newest last, each from the
	// start of a process.
	shifts []shift
}

// startReference starts a reference server whose clock reads offset
// ahead of this machine's from now on, and runs faster by rate.
func startReference(l *lab, name string, offset time.Duration, rate float64) (*referenceServer, error) {
	port, err := freePort("udp")
	if err != nil {
		return nil, err
	}
	r := &referenceServer{name: name, port: port, lab: l}
	return r, r.start(offset, rate)
}

// start runs chronyd with the shift and records when it began.
func (r *referenceServer) start(offset time.Duration, rate float64) error {
	conf := filepath.Join(r.lab.dir, r.name+".conf")
	text := fmt.Sprintf("local stratum 1\nallow 127.0.0.1\nbindaddress 127.0.0.1\nport %d\ncmdport 0\npidfile %s\n",
		r.port, filepath.Join(r.lab.dir, r.name+".pid"))
	if err := os.WriteFile(conf, []byte(text), 0o600); err != nil {
		return err
	}
	s := shift{offset: offset, rate: rate}
	env := []string{"LD_PRELOAD=" + r.lab.opts.faketime + " " + r.lab.shim, "FAKETIME=" + s.faketime(), "LC_ALL=C"}
	proc, err := r.lab.startProcess(r.name, env, "chronyd", "-x", "-d", "-u", "root", "-P", serverPriority, "-f", conf)
	if err != nil {
		return err
	}
	// libfaketime takes the process's start as the origin of the rate;
	// the process started between Start's call and return, a millisecond
	// at most, which moves the truth by 25 ns.
	s.since = time.Now()
	r.proc, r.shifts = proc, append(r.shifts, s)
	return nil
}

// step restarts the server with its clock moved by by from where it is now.
func (r *referenceServer) step(by time.Duration) error {
	return r.restart(by, r.rate())
}

// retune restarts the server with its clock where it is now, running
// faster than this machine's by rate from now on.
func (r *referenceServer) retune(rate float64) error { return r.restart(0, rate) }

// restart restarts the server with its clock moved by by from where it is
// now and its rate set to rate.
func (r *referenceServer) restart(by time.Duration, rate float64) error {
	r.proc.stop()
	return r.start(r.shifts[len(r.shifts)-1].at(time.Now())+by, rate)
}

// rate is how much faster than this machine's the server's clock runs now.
func (r *referenceServer) rate() float64 { return r.shifts[len(r.shifts)-1].rate }

// clockAt is the server's clock minus the real clock at real time t.
func (r *referenceServer) clockAt(t time.Time) time.Duration {
	s := r.shifts[0]
	for _, next := range r.shifts[1:] {
		if next.since.After(t) {
			break
		}
		s = next
	}
	return s.at(t)
}

// address is where the server listens.
func (r *referenceServer) address() string { return fmt.Sprintf("127.0.0.1:%d", r.port) }

// stop ends the server.
func (r *referenceServer) stop() { r.proc.stop() }
