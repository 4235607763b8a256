package sim

import (
	"math"
	"math/rand/v2"
	"time"

	"github.com/clockwatch/clockwatch/estimator"
	"github.com/clockwatch/clockwatch/ntp"
)

// Window is a span of true time since the start of a run.
type Window struct {
	From, To time.Duration
}

func (w Window) contains(t time.Duration) bool { return t >= w.From && t < w.To }

// silent reports whether t falls in one of the outages.
func silent(outages []Window, t time.Duration) bool {
	for _, o := range outages {
		if o.contains(t) {
			return true
		}
	}
	return false
}

// Server is one NTP server and the path to it.
type Server struct {
	// Name is the source name given to the estimator.
	Name string
	Path Path
	// Routes change the path during the run: from each one's At on, its
	// Path is the path (a route change).
	Routes []Route
	// Error is the server's clock minus the reference: zero for an honest
	// server, anything else makes a falseticker.
	Error time.Duration
	// Drift makes the server's own error grow (a free-running falseticker).
	Drift float64
	// Walk makes the server's frequency run away from WalkFrom on: it
	// changes by Walk (a ratio) per second, so its error grows with the
	// square of the time.
	Walk     float64
	WalkFrom time.Duration
	// Steps are sudden changes of this server's clock alone.
	Steps []Step
	// Outages are spans in which the server does not answer.
	Outages []Window
	// Stratum, RootDelay and RootDispersion are what the server advertises.
	Stratum        uint8
	RootDelay      time.Duration
	RootDispersion time.Duration
	// Precision is the resolution of the server's timestamps.
	Precision time.Duration
	// Processing is the time between the server's receive and transmit
	// timestamps.
	Processing time.Duration
}

// Route is a path that holds from true time At on.
type Route struct {
	At   time.Duration
	Path Path
}

// pathAt is the path to the server at true time t.
func (s *Server) pathAt(t time.Duration) Path {
	p := s.Path
	for _, r := range s.Routes {
		if r.At <= t {
			p = r.Path
		}
	}
	return p
}

// errorAt is the server's own error (its clock minus the reference) at
// true time t.
func (s *Server) errorAt(t time.Duration) time.Duration {
	walk := 0.0
	if t > s.WalkFrom {
		dt := float64(t - s.WalkFrom)
		walk = s.Walk * dt * dt / 2 / float64(time.Second)
	}
	return s.Error + stepsUntil(s.Steps, t) + time.Duration(math.Round(s.Drift*float64(t)+walk))
}

// honestAt reports whether the server serves the reference at true time t.
func (s *Server) honestAt(t time.Duration) bool { return s.errorAt(t) == 0 && s.Drift == 0 }

// exchange is one poll of a server: the observation it gives the estimator
// and when that observation is available.
type exchange struct {
	// server is the index of the server polled.
	server int
	ready  time.Duration
	// sent is the true time of the request, t1.
	sent time.Duration
	obs  estimator.Observation
}

// flight is an NTP exchange under way: the client's transmit timestamp
// t1, the server's receive and transmit timestamps t2 and t3 (readings of
// the clocks involved, since the epoch), and the true time the reply
// arrives, or the client gives up.
type flight struct {
	server     *Server
	sent       time.Duration
	arrives    time.Duration
	lost       bool
	t1, t2, t3 time.Duration
}

// world is what an exchange reads clocks from.
type world struct {
	epoch     time.Time
	local     *localClock
	reference []Step
	precision time.Duration
	timeout   time.Duration
	// outages silence every server at once.
	outages []Window
}

// serverOffset is the server's clock minus true time at true time t.
func (w *world) serverOffset(s *Server, t time.Duration) time.Duration {
	return stepsUntil(w.reference, t) + s.errorAt(t)
}

// poll runs one NTP exchange with s that starts at true time t1 on the
// free-running local clock.
func (w *world) poll(s *Server, t1 time.Duration, rng *rand.Rand) exchange {
	f := w.launch(s, t1, w.local.read(t1, w.precision), rng)
	return exchange{ready: f.arrives, sent: t1, obs: w.complete(f, w.local.read(f.arrives, w.precision))}
}

// launch sends a request to s at true time t1, when the local clock reads
// t1r, and draws its fate: the path's delays and loss, the server's
// outages, the client's timeout.
func (w *world) launch(s *Server, t1, t1r time.Duration, rng *rand.Rand) flight {
	out, back, lost := s.pathAt(t1).Transit(rng)
	f := flight{server: s, sent: t1, t1: t1r, arrives: t1 + w.timeout, lost: true}
	if lost || silent(s.Outages, t1) || silent(w.outages, t1) || out+s.Processing+back > w.timeout {
		return f
	}
	tt2 := t1 + out
	tt3 := tt2 + s.Processing
	f.lost, f.arrives = false, tt3+back
	f.t2 = quantize(tt2+w.serverOffset(s, tt2), s.Precision)
	f.t3 = quantize(tt3+w.serverOffset(s, tt3), s.Precision)
	return f
}

// complete ends an exchange whose reply the local clock stamped t4r,
// computing the sample from the four timestamps exactly as an NTP client
// does.
func (w *world) complete(f flight, t4r time.Duration) estimator.Observation {
	s := f.server
	if f.lost {
		return estimator.Observation{Source: s.Name, Result: ntp.ResultTimeout}
	}
	delay := (t4r - f.t1) - (f.t3 - f.t2)
	if delay < 0 {
		return estimator.Observation{Source: s.Name, Result: ntp.ResultNegativeDelay}
	}
	smp := estimator.Sample{
		Source:         s.Name,
		Time:           w.epoch.Add(f.t1 + (t4r-f.t1)/2),
		Offset:         ((f.t1 - f.t2) + (t4r - f.t3)) / 2,
		Delay:          delay,
		RootDelay:      s.RootDelay,
		RootDispersion: s.RootDispersion,
		Precision:      w.precision + s.Precision,
		Stratum:        s.Stratum,
		Timestamping:   ntp.StampKernel,
	}
	return estimator.Observation{Source: s.Name, Result: estimator.ResultOK, Sample: smp}
}
