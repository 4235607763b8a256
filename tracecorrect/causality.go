package tracecorrect

import "go.opentelemetry.io/collector/pdata/ptrace"

// mustEndWithin reports whether a child must end before its parent ends: a
// SERVER span answers its CLIENT span before the client gives up waiting.
// Producers, consumers and internal spans may outlive their parents.
func mustEndWithin(parent, child ptrace.SpanKind) bool {
	return parent == ptrace.SpanKindClient && child == ptrace.SpanKindServer
}

// violates reports whether a child spanning [cs, ce] breaks causality with
// a parent spanning [ps, pe]: it starts first, or it must end within the
// parent and does not.
func violates(parent, child ptrace.SpanKind, ps, pe, cs, ce int64) bool {
	return cs < ps || (mustEndWithin(parent, child) && ce > pe)
}

// countViolations counts the parent–child pairs that break causality, on
// the recorded times when recorded is true, else on the working times.
func (v *traceView) countViolations(recorded bool) int {
	n := 0
	for i := range v.spans {
		c := &v.spans[i]
		if c.parent < 0 {
			continue
		}
		p := &v.spans[c.parent]
		if recorded && violates(p.kind, c.kind, p.start, p.end, c.start, c.end) ||
			!recorded && violates(p.kind, c.kind, p.cstart, p.cend, c.cstart, c.cend) {
			n++
		}
	}
	return n
}

// Violations counts the parent–child pairs in batches that break
// causality: a child that starts before its parent, or a SERVER span that
// ends after its CLIENT parent.
func Violations(batches ...ptrace.Traces) int {
	hosts := newHostTable(nil, nil)
	var ix batchIndex
	ix.index(hosts, batches)
	v := newTraceView()
	n := 0
	for k := range ix.traceCount() {
		v.load(ix.trace(k), len(hosts.names))
		n += v.countViolations(true)
	}
	return n
}
