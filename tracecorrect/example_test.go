package tracecorrect_test

import (
	"fmt"
	"os"
	"strings"

	"github.com/clockwatch/clockwatch/tracecorrect"
)

// Correct a trace whose server span was recorded on a host 5ms ahead, with
// the offsets that host's agent measured.
func ExampleCorrector() {
	batches, err := tracecorrect.ReadTraces(strings.NewReader(`{"resourceSpans": [
	 {"resource": {"attributes": [{"key": "host.name", "value": {"stringValue": "web-1"}}]},
	  "scopeSpans": [{"spans": [{"traceId": "5b8efff798038103d269b633813fc60c", "spanId": "0000000000000001",
	   "name": "GET /cart", "kind": 3, "startTimeUnixNano": "1767225600000000000", "endTimeUnixNano": "1767225600010000000"}]}]},
	 {"resource": {"attributes": [{"key": "host.name", "value": {"stringValue": "db-1"}}]},
	  "scopeSpans": [{"spans": [{"traceId": "5b8efff798038103d269b633813fc60c", "spanId": "0000000000000002", "parentSpanId": "0000000000000001",
	   "name": "SELECT", "kind": 2, "startTimeUnixNano": "1767225600007000000", "endTimeUnixNano": "1767225600012000000"}]}]}]}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	offsets, err := tracecorrect.DecodeOffsetsFile(strings.NewReader(`{"hosts": {
	 "web-1": [{"time": "2026-01-01T00:00:00Z", "offset_seconds": 0, "error_bound_seconds": 0.00005}],
	 "db-1": [{"time": "2026-01-01T00:00:00Z", "offset_seconds": 0.005, "error_bound_seconds": 0.00005}]}}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	c, err := tracecorrect.NewCorrector(offsets, tracecorrect.Options{MinimalShifts: true})
	if err != nil {
		fmt.Println(err)
		return
	}
	sum := c.Correct(batches...)
	sum.WriteText(os.Stdout)
	// Output:
	// traces:              1
	// spans:               2
	// spans moved:         1
	// largest shift:       5ms
	// violations before:   1
	// violations after:    0
	// unresolved traces:   0
	// causality-only hosts (no offsets): none
}
