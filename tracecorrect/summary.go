package tracecorrect

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// Summary tells what a correction did.
type Summary struct {
	// Traces and Spans count what was read.
	Traces, Spans int
	// SpansMoved counts spans whose start or end time changed.
	SpansMoved int
	// LargestShift is the largest change of any start or end time.
	LargestShift time.Duration
	// ViolationsBefore and ViolationsAfter count parent–child pairs that
	// break causality before and after the correction.
	ViolationsBefore, ViolationsAfter int
	// UnresolvedTraces counts traces whose violations no shift within the
	// hosts' error bounds removes: a bound that did not hold, or spans of
	// the wrong kind.
	UnresolvedTraces int
	// UnmeasuredHosts lists, sorted, the hosts that had no offsets for at
	// least one trace; "" stands for spans without the host attribute.
	UnmeasuredHosts []string
}

// WriteText prints s for people, one fact per line.
func (s Summary) WriteText(w io.Writer) error {
	unmeasured := "none"
	if len(s.UnmeasuredHosts) > 0 {
		names := make([]string, len(s.UnmeasuredHosts))
		for i, h := range s.UnmeasuredHosts {
			names[i] = h
			if h == "" {
				names[i] = "(no host attribute)"
			}
		}
		unmeasured = strings.Join(names, ", ")
	}
	_, err := fmt.Fprintf(w, `traces:              %d
spans:               %d
spans moved:         %d
largest shift:       %v
violations before:   %d
violations after:    %d
unresolved traces:   %d
causality-only hosts (no offsets): %s
`, s.Traces, s.Spans, s.SpansMoved, s.LargestShift, s.ViolationsBefore, s.ViolationsAfter, s.UnresolvedTraces, unmeasured)
	return err
}
