package tracegen_test

import (
	"fmt"
	"time"

	"github.com/clockwatch/clockwatch/tracecorrect/tracegen"
)

// Generate a small fleet, with one host that runs no agent, and measure how
// far the recorded times are from the truth.
func ExampleGenerate() {
	res, err := tracegen.Generate(tracegen.Scenario{
		Seed:   7,
		Traces: 10,
		Hosts: []tracegen.Host{
			{Name: "web", Offset: 2 * time.Millisecond, ErrorBound: 50 * time.Microsecond},
			{Name: "db", Offset: -3 * time.Millisecond, ErrorBound: 50 * time.Microsecond},
			{Name: "cache", Offset: time.Millisecond, Unmeasured: true},
		},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	recorded, _ := res.Truth.MeanAbsError(res.Traces)
	fmt.Println("spans:", res.Traces.SpanCount())
	fmt.Println("hosts with offsets:", len(res.Offsets))
	fmt.Println("recorded error above 1ms:", recorded > time.Millisecond)
	// Output:
	// spans: 100
	// hosts with offsets: 2
	// recorded error above 1ms: true
}
