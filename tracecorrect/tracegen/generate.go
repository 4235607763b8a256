package tracegen

import (
	"math/rand/v2"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/clockwatch/clockwatch/tracecorrect"
)

// Result is what Generate makes.
type Result struct {
	// Traces holds every span as its host's clock recorded it, one
	// resource per host.
	Traces ptrace.Traces
	// Truth holds the true times.
	Truth Truth
	// Offsets are the agents' measurements of the measured hosts.
	Offsets tracecorrect.Offsets
}

// Generate builds the traces, truth and offsets of scenario s.
func Generate(s Scenario) (Result, error) {
	s = s.withDefaults()
	if err := s.validate(); err != nil {
		return Result{}, err
	}
	g := newGenerator(s)
	for range s.Traces {
		g.trace()
	}
	return Result{Traces: g.td, Truth: Truth{spans: g.truth}, Offsets: g.offsets()}, nil
}

// generator holds the state of one Generate call.
type generator struct {
	s       Scenario
	rng     *rand.Rand
	td      ptrace.Traces
	spans   []ptrace.SpanSlice // per host
	clocks  []clock
	truth   map[spanKey]interval
	traceID pcommon.TraceID
	latest  int64 // latest true time of any span
}

// newGenerator makes one resource per host.
func newGenerator(s Scenario) *generator {
	g := &generator{
		s:     s,
		rng:   rand.New(rand.NewPCG(s.Seed, s.Seed^0x9e3779b97f4a7c15)),
		td:    ptrace.NewTraces(),
		truth: map[spanKey]interval{},
	}
	for _, h := range s.Hosts {
		rs := g.td.ResourceSpans().AppendEmpty()
		rs.Resource().Attributes().PutStr("host.name", h.Name)
		rs.Resource().Attributes().PutStr("service.name", "svc-"+h.Name)
		ss := rs.ScopeSpans().AppendEmpty()
		ss.Scope().SetName("clockwatch/tracegen")
		g.spans = append(g.spans, ss.Spans())
		g.clocks = append(g.clocks, newClock(h, s))
	}
	return g
}

// trace generates one trace, starting at a random time on a random host.
func (g *generator) trace() {
	binaryRandom(g.rng, g.traceID[:])
	start := g.s.Start.UnixNano() + g.rng.Int64N(int64(g.s.Spread)+1)
	g.serve(g.rng.IntN(len(g.s.Hosts)), pcommon.SpanID{}, ptrace.SpanKindServer, start, 0)
}

// serve generates a request handled on host from true time start: its
// span of the given kind and every call it makes. It returns the end.
func (g *generator) serve(host int, parent pcommon.SpanID, kind ptrace.SpanKind, start int64, depth int) int64 {
	id := g.spanID()
	t := start + g.between(20*time.Microsecond, 300*time.Microsecond)
	calls := 0
	if depth < g.s.Depth {
		calls = g.rng.IntN(g.s.Fanout + 1)
	}
	for range calls {
		t = g.call(host, id, t, depth) + g.between(5*time.Microsecond, 50*time.Microsecond)
	}
	end := t + g.between(20*time.Microsecond, 300*time.Microsecond)
	span := g.record(host, id, parent, kind, "handle", start, end)
	ev := span.Events().AppendEmpty()
	ev.SetName("handled")
	ev.SetTimestamp(pcommon.Timestamp(g.clocks[host].read((start + end) / 2)))
	return end
}

// call generates one call that host makes under span parent at true time
// t: a message, local work or an RPC. It returns when the caller goes on.
func (g *generator) call(host int, parent pcommon.SpanID, t int64, depth int) int64 {
	r := g.rng.Float64()
	switch {
	case r < g.s.AsyncShare:
		return g.publish(host, parent, t, depth)
	case r < g.s.AsyncShare+(1-g.s.AsyncShare)/4:
		end := t + g.between(50*time.Microsecond, 2*time.Millisecond)
		g.record(host, g.spanID(), parent, ptrace.SpanKindInternal, "query", t, end)
		return end
	default:
		return g.rpc(host, parent, t, depth)
	}
}

// rpc generates a synchronous call from host to another: a CLIENT span
// around the SERVER span, with a network delay each way.
func (g *generator) rpc(host int, parent pcommon.SpanID, t int64, depth int) int64 {
	id := g.spanID()
	serverEnd := g.serve(g.otherHost(host), id, ptrace.SpanKindServer, t+g.delay(), depth+1)
	end := serverEnd + g.delay()
	g.record(host, id, parent, ptrace.SpanKindClient, "call", t, end)
	return end
}

// publish generates a fire-and-forget message: a PRODUCER span on host
// and, after a network and queueing delay, a CONSUMER span on another host
// that may outlive it, the trace's root even.
func (g *generator) publish(host int, parent pcommon.SpanID, t int64, depth int) int64 {
	id := g.spanID()
	end := t + g.between(50*time.Microsecond, time.Millisecond)
	consumed := t + g.delay() + g.between(0, g.s.MaxQueueDelay)
	g.serve(g.otherHost(host), id, ptrace.SpanKindConsumer, consumed, depth+1)
	g.record(host, id, parent, ptrace.SpanKindProducer, "publish", t, end)
	return end
}

// record adds a span with true times [start, end] as host's clock shows
// them, and remembers the truth.
func (g *generator) record(host int, id, parent pcommon.SpanID, kind ptrace.SpanKind, name string, start, end int64) ptrace.Span {
	span := g.spans[host].AppendEmpty()
	span.SetTraceID(g.traceID)
	span.SetSpanID(id)
	span.SetParentSpanID(parent)
	span.SetKind(kind)
	span.SetName(name)
	c := g.clocks[host]
	span.SetStartTimestamp(pcommon.Timestamp(c.read(start)))
	span.SetEndTimestamp(pcommon.Timestamp(c.read(end)))
	g.truth[spanKey{g.traceID, id}] = interval{start, end}
	g.latest = max(g.latest, end)
	return span
}

// offsets are the agents' measurements from a little before the first
// trace to a little after the last span.
func (g *generator) offsets() tracecorrect.Offsets {
	offsets := tracecorrect.Offsets{}
	interval := g.s.MeasurementInterval
	from := g.s.Start.UnixNano() - 2*int64(interval)
	to := max(g.latest, from) + 2*int64(interval)
	for i, h := range g.s.Hosts {
		if c := g.clocks[i]; c.measured {
			offsets[h.Name] = c.measurements(g.rng, from, to, interval, g.s.MeasurementError)
		}
	}
	return offsets
}

// otherHost picks a host other than host.
func (g *generator) otherHost(host int) int {
	other := g.rng.IntN(len(g.s.Hosts) - 1)
	if other >= host {
		other++
	}
	return other
}

// delay draws a one-way network delay.
func (g *generator) delay() int64 { return g.between(g.s.MinDelay, g.s.MaxDelay) }

// between draws a duration in [lo, hi] as nanoseconds.
func (g *generator) between(lo, hi time.Duration) int64 {
	return int64(lo) + g.rng.Int64N(int64(hi-lo)+1)
}

// spanID draws a non-zero span ID.
func (g *generator) spanID() pcommon.SpanID {
	var id pcommon.SpanID
	for id.IsEmpty() {
		binaryRandom(g.rng, id[:])
	}
	return id
}

// binaryRandom fills b with random bytes.
func binaryRandom(rng *rand.Rand, b []byte) {
	for i := range b {
		b[i] = byte(rng.Uint32())
	}
}
