package mesh_test

import (
	"fmt"
	"time"

	"github.com/clockwatch/clockwatch/mesh"
)

// Five hosts measure each other over 100 µs round trips; host c is 2 ms
// ahead of the others.
func ExampleInfer() {
	offsets := map[string]time.Duration{"a": 0, "b": 10 * time.Microsecond, "c": 2 * time.Millisecond, "d": -5 * time.Microsecond, "e": 0}
	var edges []mesh.Edge
	for from, x := range offsets {
		for to, y := range offsets {
			if from != to {
				edges = append(edges, mesh.Edge{From: from, To: to, Offset: x - y, Error: 50 * time.Microsecond})
			}
		}
	}
	r := mesh.Infer(edges, mesh.Config{Threshold: 500 * time.Microsecond})
	for _, h := range r.Hosts {
		fmt.Printf("%s %v named=%v\n", h.Name, h.Offset, h.Named)
	}
	// Output:
	// a 0s named=false
	// b 10µs named=false
	// c 2ms named=true
	// d -5µs named=false
	// e 0s named=false
}
