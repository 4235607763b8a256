package main

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/alecthomas/kingpin/v2"
	"github.com/clockwatch/clockwatch/estimator"
	"github.com/clockwatch/clockwatch/internal/agent"
	"github.com/clockwatch/clockwatch/internal/cli"
	"github.com/clockwatch/clockwatch/internal/localclock"
	"github.com/clockwatch/clockwatch/ntp"
)

// demoFlags are the flags of `clockwatch demo`.
type demoFlags struct {
	web      *webFlags
	duration time.Duration
	poll     time.Duration
	seed     uint64
	shmPath  string
	// clockBoundPath is where to publish in ClockBound's protocol too.
	clockBoundPath string
	runtime        *runtimeFlags
}

func registerDemo(app *kingpin.Application, commands map[string]cli.Runner) {
	cmd := app.Command("demo", "Run the agent against five simulated NTP servers on loopback whose true time is known; print truth, estimate and bound every second.")
	f := &demoFlags{web: addWebFlags(cmd), runtime: addRuntimeFlags(cmd)}
	cmd.Flag("duration", "Stop after this long (0: run until Ctrl-C).").Default("0s").DurationVar(&f.duration)
	cmd.Flag("poll.interval", "Time between queries of each simulated server.").Default("1s").DurationVar(&f.poll)
	cmd.Flag("seed", "Seed of the simulated network jitter.").Default("1").Uint64Var(&f.seed)
	cmd.Flag("shm.path", "Shared-memory file local services read bounded time from (logicaltime.OpenBounded), updated 10 times a second. Empty: none.").PlaceHolder("FILE").StringVar(&f.shmPath)
	addClockBoundFlag(cmd, &f.clockBoundPath)
	commands["demo"] = func(ctx context.Context, c *cli.Env) error { return runDemo(ctx, c, f) }
}

// demoWorld is the simulated truth: this host's clock is off true time by
// a known offset that drifts, and the servers serve true time plus their
// own error over jittery paths.
type demoWorld struct {
	start  time.Time
	offset time.Duration // this host's offset at start
	drift  float64       // how fast it grows
	mu     sync.Mutex
	rng    *rand.Rand
}

// trueOffset is this host's true offset (local − true) at local time t.
func (w *demoWorld) trueOffset(t time.Time) time.Duration {
	return w.offset + time.Duration(w.drift*float64(t.Sub(w.start)))
}

// trueTime converts a local clock reading to true time.
func (w *demoWorld) trueTime(local time.Time) time.Time {
	return local.Add(-w.trueOffset(local))
}

// pathDelay draws one exchange's outbound and return delays: 150 µs each
// plus exponential jitter, drawn independently, so paths are asymmetric.
func (w *demoWorld) pathDelay() (time.Duration, time.Duration) {
	w.mu.Lock()
	defer w.mu.Unlock()
	jitter := func() time.Duration { return time.Duration(w.rng.ExpFloat64() * float64(100*time.Microsecond)) }
	return 150*time.Microsecond + jitter(), 150*time.Microsecond + jitter()
}

// demoServer is one simulated NTP server.
type demoServer struct {
	name string
	err  time.Duration // its own error against true time
}

// demoServers are the simulated servers; echo is the falseticker.
var demoServers = []demoServer{
	{"alpha", 40 * time.Microsecond},
	{"bravo", -30 * time.Microsecond},
	{"charlie", 10 * time.Microsecond},
	{"delta", -60 * time.Microsecond},
	{"echo", 24 * time.Millisecond},
}

// runDemo is `clockwatch demo`.
func runDemo(ctx context.Context, c *cli.Env, f *demoFlags) error {
	f.runtime.apply()
	if f.duration > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, f.duration)
		defer cancel()
	}
	w := &demoWorld{start: localclock.System(), offset: 3200 * time.Microsecond, drift: 15e-6, rng: rand.New(rand.NewPCG(f.seed, 7))}
	addrs, err := startDemoServers(ctx, w)
	if err != nil {
		return err
	}
	names := make(map[string]string, len(addrs))
	listed := make([]string, len(addrs))
	for i, addr := range addrs {
		names[addr] = demoServers[i].name
		listed[i] = demoServers[i].name + "=" + addr
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	a, err := agent.Start(ctx, agent.Options{
		Config: agent.Config{NTPServers: addrs, ServerNames: names, PollInterval: f.poll, HoldoverMax: 30 * time.Minute,
			MaxFalsetickers: 1, Limits: ntp.Limits{MaxDelay: ntp.DefaultMaxDelay, MaxDistance: ntp.DefaultMaxDistance}, Peers: agent.DefaultPeers()},
		ShmPath:        f.shmPath,
		ClockBoundPath: f.clockBoundPath,
		Serve:          f.web.serve(c.Logger),
		Logger:         c.Logger,
	})
	if err != nil {
		return err
	}
	f.runtime.started(ctx, c.Logger)
	cb, err := openClockBoundCheck(f.clockBoundPath)
	if err != nil {
		return err
	}
	defer cb.close()
	fmt.Fprintf(c.Stdout, "clockwatch demo: this host's clock is %v ahead of true time and gains %.0f ppm; servers on loopback (echo is %v off, a falseticker): %s\n\n",
		w.offset, w.drift*1e6, demoServers[len(demoServers)-1].err, strings.Join(listed, ", "))
	score := printDemo(ctx, c.Stdout, a, w, cb)
	cancel()
	if err := a.Wait(); err != nil {
		return err
	}
	fmt.Fprintf(c.Stdout, "\n%s\n", score)
	if cb != nil {
		fmt.Fprintf(c.Stdout, "%s\n", cb)
	}
	switch {
	case score.missed > 0:
		return fmt.Errorf("the error bound missed the true offset in %d of %d seconds", score.missed, score.rows)
	case cb != nil && cb.missed > 0:
		return fmt.Errorf("ClockBound clients' interval missed true time in %d of %d seconds", cb.missed, cb.rows)
	}
	return nil
}

// startDemoServers starts a responder per demo server on loopback and
// returns their addresses, in the order of demoServers.
func startDemoServers(ctx context.Context, w *demoWorld) ([]string, error) {
	var addrs []string
	for i, s := range demoServers {
		conn, err := net.ListenPacket("udp4", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("demo: start simulated server: %w", err)
		}
		serverErr := s.err
		r := &ntp.Responder{
			Clock:          func() time.Time { return w.trueTime(localclock.System()).Add(serverErr) },
			RootDelay:      100 * time.Microsecond,
			RootDispersion: 150 * time.Microsecond,
			RefID:          0x7f000001 + uint32(i),
			PathDelay:      w.pathDelay,
		}
		go func() {
			_ = r.Serve(ctx, conn)
			conn.Close()
		}()
		addrs = append(addrs, conn.LocalAddr().String())
	}
	return addrs, nil
}

// demoScore sums up a demo run.
type demoScore struct {
	rows, missed int
	worst        time.Duration
	boundSum     time.Duration
}

func (s demoScore) String() string {
	if s.rows == 0 {
		return "no estimate yet"
	}
	return fmt.Sprintf("bound covered the true offset in %d of %d seconds; largest error %v; mean bound %v",
		s.rows-s.missed, s.rows, s.worst, s.boundSum/time.Duration(s.rows))
}

// printDemo prints a row a second until ctx ends and returns the score of
// the rows with an estimate; each second cb, if any, scores the ClockBound
// clients' interval.
func printDemo(ctx context.Context, out io.Writer, a *agent.Running, w *demoWorld, cb *clockBoundCheck) demoScore {
	var score demoScore
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	fmt.Fprintf(out, "%5s  %11s  %11s  %9s  %9s  %-7s  %s\n", "t", "true offset", "estimate", "error", "bound", "covered", "sources")
	for {
		select {
		case <-ctx.Done():
			return score
		case <-tick.C:
		}
		now := localclock.System()
		e := a.Current().At(now)
		truth := w.trueOffset(now)
		cb.check(now, w.trueTime(now))
		row := fmt.Sprintf("%4.0fs  %11s", now.Sub(w.start).Seconds(), signed(truth))
		if !e.HasOffset() {
			fmt.Fprintf(out, "%s  %11s  %9s  %9s  %-7s  %s\n", row, "-", "-", "-", "-", demoSources(e))
			continue
		}
		errAbs := (e.Offset - truth).Abs()
		covered := errAbs <= e.ErrorBound
		score.rows++
		score.boundSum += e.ErrorBound
		score.worst = max(score.worst, errAbs)
		mark := "yes"
		if !covered {
			score.missed++
			mark = "NO"
		}
		fmt.Fprintf(out, "%s  %11s  %9s  %9s  %-7s  %s\n", row, signed(e.Offset), signed(e.Offset-truth),
			e.ErrorBound.Round(time.Microsecond), mark, demoSources(e))
	}
}

// demoSources lists the sources' states by name.
func demoSources(e estimator.Estimate) string {
	parts := make([]string, 0, len(e.Sources))
	for _, s := range e.Sources {
		parts = append(parts, fmt.Sprintf("%s=%s", s.Name, s.Status))
	}
	return strings.Join(parts, " ")
}

// signed formats d with its sign and microsecond resolution.
func signed(d time.Duration) string {
	d = d.Round(time.Microsecond)
	if d >= 0 {
		return "+" + d.String()
	}
	return d.String()
}
