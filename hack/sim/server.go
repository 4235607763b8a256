package sim

import (
	"math"
	"math/rand/v2"
	"time"

	"github.com/clockwatch/clockwatch/estimator"
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
	// Error is the server's clock minus the reference: zero for an honest
	// server, anything else makes a falseticker.
	Error time.Duration
	// Drift makes the server's own error grow (a free-running falseticker).
	Drift float64
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

// exchange is one poll of a server: the observation it gives the estimator
// and when that observation is available.
type exchange struct {
	ready time.Duration
	// sent is the true time of the request, t1.
	sent time.Duration
	obs  estimator.Observation
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
	own := s.Error + stepsUntil(s.Steps, t) + time.Duration(math.Round(s.Drift*float64(t)))
	return stepsUntil(w.reference, t) + own
}

// poll runs one NTP exchange with s that starts at true time t1, computing
// the sample from the four timestamps exactly as an NTP client does.
func (w *world) poll(s *Server, t1 time.Duration, rng *rand.Rand) exchange {
	out, back, lost := s.Path.transit(rng)
	fail := func(result string) exchange {
		return exchange{ready: t1 + w.timeout, sent: t1, obs: estimator.Observation{Source: s.Name, Result: result}}
	}
	if silent(s.Outages, t1) || silent(w.outages, t1) {
		return fail("timeout")
	}
	total := out + s.Processing + back
	if lost || total > w.timeout {
		return fail("timeout")
	}
	tt2 := t1 + out
	tt3 := tt2 + s.Processing
	tt4 := tt3 + back
	t1r := w.local.read(t1, w.precision)
	t2r := quantize(tt2+w.serverOffset(s, tt2), s.Precision)
	t3r := quantize(tt3+w.serverOffset(s, tt3), s.Precision)
	t4r := w.local.read(tt4, w.precision)
	delay := (t4r - t1r) - (t3r - t2r)
	if delay < 0 {
		return fail("negative_delay")
	}
	smp := estimator.Sample{
		Source:         s.Name,
		Time:           w.epoch.Add(t1r + (t4r-t1r)/2),
		Offset:         ((t1r - t2r) + (t4r - t3r)) / 2,
		Delay:          delay,
		RootDelay:      s.RootDelay,
		RootDispersion: s.RootDispersion,
		Precision:      w.precision + s.Precision,
		Stratum:        s.Stratum,
		Timestamping:   "kernel",
	}
	return exchange{ready: tt4, sent: t1, obs: estimator.Observation{Source: s.Name, Result: estimator.ResultOK, Sample: smp}}
}
