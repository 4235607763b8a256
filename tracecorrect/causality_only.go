package tracecorrect

import (
	"github.com/clockwatch/clockwatch/internal/saturate"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// AdjustCausalityOnly is the baseline: the clock-skew adjuster Jaeger
// describes, which looks at causality alone. It walks each trace from its
// roots; where a span's host differs from its parent's, it computes a skew
// from the (already adjusted) parent, and spans below inherit it while they
// stay on that host. The skew is:
//
//   - none when the child already fits within its parent;
//   - when the child lasted longer than its parent (it was asynchronous,
//     or the parent timed out): just enough that it does not start before
//     the parent;
//   - otherwise: the child is centred in its parent, assuming the network
//     latency split equally between request and response.
//
// It moves start, end and event times, records AttrCorrection and
// CorrectionSourceBaseline on every moved span, and returns how many moved.
func AdjustCausalityOnly(hostAttribute string, batches ...ptrace.Traces) int {
	if hostAttribute == "" {
		hostAttribute = DefaultHostAttribute
	}
	hosts := newHostTable([]string{hostAttribute}, nil)
	var ix batchIndex
	ix.index(hosts, batches)
	v := newTraceView()
	moved := 0
	for k := range ix.traceCount() {
		v.load(ix.trace(k), len(hosts.names))
		moved += v.adjustCausalityOnly(hosts.names)
	}
	return moved
}

// skewFrame is a span to visit with the skew inherited from above.
type skewFrame struct {
	span  int32
	skew  int64
	host  int32
	first bool // a root: nothing to compare with
}

// adjustCausalityOnly runs the baseline on the loaded trace.
func (v *traceView) adjustCausalityOnly(hostNames []string) int {
	first, children := v.childLists()
	var stack []skewFrame
	for i := range v.spans {
		if v.spans[i].parent < 0 {
			stack = append(stack, skewFrame{span: int32(i), host: v.spans[i].host, first: true})
		}
	}
	moved := 0
	for len(stack) > 0 {
		f := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		s := &v.spans[f.span]
		if !f.first && (s.host != f.host || hostNames[v.hosts[s.host]] == "") {
			f.skew, f.host = jaegerSkew(&v.spans[s.parent], s), s.host
		}
		s.cstart, s.cend = saturate.Add(s.start, f.skew), saturate.Add(s.end, f.skew)
		if f.skew != 0 {
			moveSpan(s.span, f.skew)
			moved++
		}
		for _, c := range children[first[f.span]:first[f.span+1]] {
			stack = append(stack, skewFrame{span: c, skew: f.skew, host: f.host})
		}
	}
	return moved
}

// childLists returns every span's children: those of span i are
// children[first[i]:first[i+1]].
func (v *traceView) childLists() (first, children []int32) {
	first = make([]int32, len(v.spans)+1)
	for i := range v.spans {
		if p := v.spans[i].parent; p >= 0 {
			first[p+1]++
		}
	}
	for i := 1; i < len(first); i++ {
		first[i] += first[i-1]
	}
	next := append([]int32(nil), first[:len(v.spans)]...)
	children = make([]int32, first[len(v.spans)])
	for i := range v.spans {
		if p := v.spans[i].parent; p >= 0 {
			children[next[p]] = int32(i)
			next[p]++
		}
	}
	return first, children
}

// jaegerSkew is the skew of child against its adjusted parent.
func jaegerSkew(parent, child *traceSpan) int64 {
	pDur, cDur := saturate.Sub(parent.cend, parent.cstart), saturate.Sub(child.end, child.start)
	if cDur > pDur {
		if child.start < parent.cstart {
			return saturate.Sub(parent.cstart, child.start)
		}
		return 0
	}
	if child.start >= parent.cstart && child.end <= parent.cend {
		return 0
	}
	latency := saturate.Sub(pDur, cDur) / 2
	return saturate.Sub(saturate.Add(parent.cstart, latency), child.start)
}

// moveSpan adds skew to every time of the span and records it.
func moveSpan(span ptrace.Span, skew int64) {
	span.SetStartTimestamp(timestamp(saturate.Add(nanos(span.StartTimestamp()), skew)))
	span.SetEndTimestamp(timestamp(saturate.Add(nanos(span.EndTimestamp()), skew)))
	events := span.Events()
	for i := range events.Len() {
		ev := events.At(i)
		ev.SetTimestamp(timestamp(saturate.Add(nanos(ev.Timestamp()), skew)))
	}
	annotate(span, skew, skew, CorrectionSourceBaseline)
}
