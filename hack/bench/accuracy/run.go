package main

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"time"

	"github.com/clockwatch/clockwatch/hack/bench/chronylab"
	"github.com/clockwatch/clockwatch/hack/netem"
	"github.com/clockwatch/clockwatch/internal/sim"
)

// blindAfterStep is how long after a reference step readings are not
// scored: until an exchange started after the step has completed, no client
// can know of it.
const blindAfterStep = 2 * time.Second

// serverStartup is how long chronyd takes to answer after it starts.
const serverStartup = 500 * time.Millisecond

// run runs the check or the scenarios and prints the results.
func run(ctx context.Context, opts options) error {
	if os.Geteuid() != 0 {
		return errors.New("run as root: the chronyd processes need it")
	}
	scs, err := pick(opts.duration, opts.outageAfter, opts.scenarios)
	if err != nil {
		return err
	}
	l, err := newLab(ctx, opts)
	if err != nil {
		return err
	}
	defer l.close()
	if opts.check {
		return check(ctx, l)
	}
	fmt.Printf("clockwatch vs chronyd -x, polling %s; %v per scenario, the first %v not scored; every path %v longer each way than the simulator's\n\n", pollings(scs), opts.duration, opts.warmup, opts.floor)
	tableHeader(os.Stdout)
	for i, sc := range scs {
		chrony, cw, err := runScenario(ctx, l, sc, opts.seed+uint64(100*i))
		if err != nil {
			return fmt.Errorf("%s: %w (logs in %s; -keep keeps them)", sc.name, err, l.dir)
		}
		printScenario(os.Stdout, sc.name, chrony, cw)
	}
	return nil
}

// bench is one scenario running.
type bench struct {
	lab     *lab
	servers []*referenceServer
	// honest indexes the servers that serve the reference; the first
	// defines the truth.
	honest  []int
	relays  []*netem.Relay
	clients []client
	// routes are the relays' paths as the scenario's routes have them;
	// silent is set during an outage of every server.
	routes []relayPaths
	silent bool
	// roots are the servers' root distances, as they advertise them.
	roots []time.Duration
	// blind are the spans just after a reference step, outages those in
	// which every server is silent.
	blind, outages []span
	// limits holds the physical limit through the run.
	limits []limitPoint
}

// runScenario runs one scenario and scores both clients.
func runScenario(ctx context.Context, l *lab, sc scenario, seed uint64) (chrony, cw summary, err error) {
	b := &bench{lab: l}
	defer b.close()
	if err := b.start(ctx, sc.sim, seed); err != nil {
		return chrony, cw, err
	}
	start := time.Now()
	readings, err := b.record(ctx, sc.sim, start)
	if err != nil {
		return chrony, cw, err
	}
	truth := func(t time.Time) float64 { return -b.servers[b.honest[0]].clockAt(t).Seconds() }
	if l.opts.keep {
		if err := writeReadings(filepath.Join(l.dir, sc.name+".csv"), b.clients, readings, truth); err != nil {
			return chrony, cw, err
		}
	}
	w := window{from: start.Add(l.opts.warmup), blind: b.blind, outages: b.outages, limit: limitAt(b.limits)}
	return judge("chronyd", readings[0], truth, w), judge("clockwatch", readings[1], truth, w), nil
}

// honest reports whether a simulated server serves the reference all the
// time.
func honest(s sim.Server) bool {
	return s.Error == 0 && s.Drift == 0 && s.Walk == 0 && len(s.Steps) == 0 && len(s.Outages) == 0
}

// start starts the servers, shifted as the scenario's local clock and
// their own errors say, a relay in front of each, and the clients.
func (b *bench) start(ctx context.Context, sc sim.Scenario, seed uint64) error {
	var addrs []string
	for i, s := range sc.Servers {
		// The truth is local clock − reference: the reference runs
		// ahead of this machine's clock by minus the local clock's
		// offset and drift.
		srv, err := startReference(b.lab, "server-"+s.Name, s.Error-sc.Clock.Offset, s.Drift-sc.Clock.Drift)
		if err != nil {
			return err
		}
		b.servers = append(b.servers, srv)
		if honest(s) {
			b.honest = append(b.honest, i)
		}
		b.routes = append(b.routes, paths(s.Path, b.lab.opts.floor))
		// Each relay on a loopback address of its own: chronyd takes one
		// source per address and would poll fewer servers than clockwatch.
		listen := netip.AddrPortFrom(chronylab.LoopbackIP(i), 0).String()
		link := netem.Link{Listen: listen, Server: srv.address(), ToServer: b.routes[i].toServer, ToClient: b.routes[i].toClient, Seed: seed + uint64(i)}
		relay, err := netem.Start(link)
		if err != nil {
			return err
		}
		b.relays = append(b.relays, relay)
		addrs = append(addrs, relay.Addr().String())
	}
	if len(b.honest) == 0 {
		return errors.New("no honest server defines the truth")
	}
	time.Sleep(serverStartup)
	var err error
	if b.roots, err = rootDistances(ctx, b.servers); err != nil {
		return err
	}
	p := polling{interval: max(sc.Poll, time.Second), wander: sc.Config.Wander}
	chrony, err := startChrony(b.lab, "chronyd", addrs, p)
	if err != nil {
		return err
	}
	b.clients = append(b.clients, chrony)
	agent, err := startAgent(b.lab, addrs, p)
	if err != nil {
		return err
	}
	b.clients = append(b.clients, agent)
	return chronylab.WaitForSources(filepath.Join(b.lab.dir, "chronyd.log"), 30*time.Second)
}

// record reads every client once a second until the scenario ends,
// doing what the scenario does when it says (events) and noting the
// physical limit; readings[i] are client i's.
func (b *bench) record(ctx context.Context, sc sim.Scenario, start time.Time) ([][]reading, error) {
	readings := make([][]reading, len(b.clients))
	evs := events(sc)
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for now := time.Now(); now.Sub(start) < sc.Duration; now = time.Now() {
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-tick.C:
		}
		for len(evs) > 0 && now.Sub(start) >= evs[0].at {
			if err := evs[0].do(b); err != nil {
				return nil, err
			}
			evs = evs[1:]
		}
		b.limits = append(b.limits, b.limit(now))
		for i, c := range b.clients {
			r, err := c.read(ctx)
			if err != nil {
				if err := b.alive(); err != nil {
					return nil, err
				}
				continue
			}
			readings[i] = append(readings[i], r)
		}
	}
	return readings, b.alive()
}

// stepReference moves every server's clock by by, as when the reference
// itself steps, and marks the readings around it as blind.
func (b *bench) stepReference(by time.Duration) error {
	from := time.Now()
	for _, s := range b.servers {
		if err := s.step(by); err != nil {
			return err
		}
	}
	b.blind = append(b.blind, span{from: from, to: time.Now().Add(blindAfterStep)})
	return nil
}

// alive reports a process that ended early.
func (b *bench) alive() error {
	for _, s := range b.servers {
		if s.proc.exited() {
			return fmt.Errorf("%s exited; see %s", s.name, filepath.Join(b.lab.dir, s.name+".log"))
		}
	}
	for _, c := range b.clients {
		if p := c.process(); p.exited() {
			return fmt.Errorf("%s exited; see %s", c.name(), filepath.Join(b.lab.dir, p.name+".log"))
		}
	}
	return nil
}

// close stops everything the scenario started.
func (b *bench) close() {
	for _, c := range b.clients {
		c.stop()
	}
	for _, r := range b.relays {
		r.Close()
	}
	for _, s := range b.servers {
		s.stop()
	}
}

// checkDuration is how long the check measures, after checkSettle.
const (
	checkDuration = time.Minute
	checkSettle   = 20 * time.Second
	// checkTolerance is how far chronyd's mean offset may be from the
	// configured shift: the servers stamp packets in user space, which
	// costs them some microseconds.
	checkTolerance = 50 * time.Microsecond
)

// check runs one shifted server and two chronyd clients, one on loopback
// and one through a relay that adds only the floor, and reports whether
// they measure the configured shift and what the relay itself changes.
func check(ctx context.Context, l *lab) error {
	srv, err := startReference(l, "check-server", referenceOffset, referenceRate)
	if err != nil {
		return err
	}
	defer srv.stop()
	floor := netem.Path{Delay: l.opts.floor}
	relay, err := netem.Start(netem.Link{Listen: "127.0.0.1:0", Server: srv.address(), ToServer: floor, ToClient: floor})
	if err != nil {
		return err
	}
	defer relay.Close()
	time.Sleep(serverStartup)
	var clients []*chronyClient
	for label, addr := range map[string]string{"direct": srv.address(), "relayed": relay.Addr().String()} {
		c, err := startChrony(l, label, []string{addr}, polling{interval: time.Second})
		if err != nil {
			return err
		}
		defer c.stop()
		clients = append(clients, c)
	}
	fmt.Printf("server FAKETIME=%q; chronyd -x polls it every second, directly and through a relay adding %v each way\n", srv.shifts[0].faketime(), l.opts.floor)
	diffs, err := checkReadings(ctx, srv, clients)
	if err != nil {
		return err
	}
	for _, c := range clients {
		d := diffs[c.name()]
		if len(d) == 0 {
			return fmt.Errorf("%s chronyd never synchronized to the shifted server", c.name())
		}
		mean, worst := meanAndWorst(d)
		fmt.Printf("%-8s mean difference %v, worst %v over %d readings\n", c.name(), mean, worst, len(d))
		if mean.Abs() > checkTolerance {
			return fmt.Errorf("%s chronyd does not measure the configured shift: mean difference %v", c.name(), mean)
		}
	}
	fmt.Println("ok: chronyd measures the configured shift")
	return nil
}

// checkReadings reads the clients every second and returns, per client,
// its offset minus the configured one.
func checkReadings(ctx context.Context, srv *referenceServer, clients []*chronyClient) (map[string][]time.Duration, error) {
	diffs := map[string][]time.Duration{}
	deadline := time.Now().Add(checkSettle + checkDuration)
	for time.Now().Before(deadline) {
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(time.Second):
		}
		if time.Until(deadline) > checkDuration {
			continue
		}
		for _, c := range clients {
			if r, err := c.read(ctx); err == nil && r.synced {
				diffs[c.name()] = append(diffs[c.name()], time.Duration((r.offset+srv.clockAt(r.at).Seconds())*1e9))
			}
		}
	}
	return diffs, nil
}

// meanAndWorst returns the mean and the largest absolute value.
func meanAndWorst(ds []time.Duration) (mean, worst time.Duration) {
	var sum time.Duration
	for _, d := range ds {
		sum += d
		worst = max(worst, d.Abs())
	}
	return sum / time.Duration(len(ds)), worst
}
