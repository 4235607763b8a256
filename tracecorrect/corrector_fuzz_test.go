package tracecorrect_test

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/clockwatch/clockwatch/tracecorrect"
)

// randomTrace builds a trace of random spans on random hosts with random,
// often inconsistent, times, and offsets for some of the hosts.
func randomTrace(seed uint64, hosts, spans int) (ptrace.Traces, []testSpan, tracecorrect.Offsets) {
	rng := rand.New(rand.NewPCG(seed, 1))
	kinds := []ptrace.SpanKind{client, server, ptrace.SpanKindProducer, ptrace.SpanKindConsumer, ptrace.SpanKindInternal}
	var all []testSpan
	for i := range spans {
		s := testSpan{
			id:    byte(i + 1),
			host:  fmt.Sprint("h", rng.IntN(hosts)),
			kind:  kinds[rng.IntN(len(kinds))],
			start: time.Duration(rng.Int64N(int64(20*ms))) - 10*ms,
		}
		s.end = s.start + time.Duration(rng.Int64N(int64(5*ms)))
		if i > 0 {
			s.parent = byte(rng.IntN(i) + 1)
		}
		all = append(all, s)
	}
	offsets := tracecorrect.Offsets{}
	for h := range hosts {
		if rng.IntN(4) > 0 {
			offsets[fmt.Sprint("h", h)] = []tracecorrect.Measurement{{
				Time:       t0,
				Offset:     time.Duration(rng.Int64N(int64(10*ms))) - 5*ms,
				ErrorBound: time.Duration(rng.Int64N(int64(ms))),
			}}
		}
	}
	return buildTrace(all...), all, offsets
}

// sameHostViolations counts the violations between spans of one host,
// which no per-host shift can remove.
func sameHostViolations(spans []testSpan) int {
	byID := map[byte]testSpan{}
	for _, s := range spans {
		byID[s.id] = s
	}
	n := 0
	for _, c := range spans {
		p, ok := byID[c.parent]
		if !ok || p.host != c.host {
			continue
		}
		if c.start < p.start || p.kind == client && c.kind == server && c.end > p.end {
			n++
		}
	}
	return n
}

// FuzzCorrectKeepsBounds corrects random traces and checks what must hold
// whatever the input: no measured span leaves its host's bound, and a trace
// counted as resolved keeps only the violations within single hosts.
func FuzzCorrectKeepsBounds(f *testing.F) {
	f.Add(uint64(1), uint8(3), uint8(10), false)
	f.Add(uint64(2), uint8(2), uint8(30), true)
	f.Fuzz(func(t *testing.T, seed uint64, hosts, spans uint8, minimal bool) {
		nHosts, nSpans := int(hosts%8)+1, int(spans%40)+1
		td, all, offsets := randomTrace(seed, nHosts, nSpans)
		c, err := tracecorrect.NewCorrector(offsets, tracecorrect.Options{MinimalShifts: minimal, DriftAllowance: 1e-9})
		if err != nil {
			t.Fatal(err)
		}
		sum := c.Correct(td)
		for _, s := range all {
			ms, measured := offsets[s.host]
			if !measured {
				continue
			}
			correction, _ := spanByID(td, s.id).Attributes().Get(tracecorrect.AttrCorrection)
			// The bound grows by a rounded-up nanosecond away from t0.
			bound := ms[0].ErrorBound + 1
			if off := time.Duration(correction.Int()) + ms[0].Offset; off > bound || off < -bound {
				t.Errorf("span %d on %s moved %v from its measured offset, bound %v", s.id, s.host, off, bound)
			}
		}
		if after, inHost := tracecorrect.Violations(td), sameHostViolations(all); sum.UnresolvedTraces == 0 && after > inHost {
			t.Errorf("resolved trace keeps %d violations, only %d within hosts", after, inHost)
		}
	})
}
