package main

import (
	"bytes"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/expfmt"
)

// textFormat is the content type of the served metrics: Prometheus' text
// exposition format, uncompressed.
var textFormat = string(expfmt.NewFormat(expfmt.TypeTextPlain))

// exposition is what a gatherer exports, rendered in the text format and
// served as it is until it is older than maxAge: a served agent's
// collectors run once a round, not once a scrape, so that serving 10,000
// agents costs the machine little beside the Prometheus it measures.
type exposition struct {
	gatherer prometheus.Gatherer
	maxAge   time.Duration

	mu         sync.Mutex
	text       []byte
	renderedAt time.Time
}

// newExposition renders g's metrics at most once per maxAge.
func newExposition(g prometheus.Gatherer, maxAge time.Duration) *exposition {
	return &exposition{gatherer: g, maxAge: maxAge}
}

// current returns the text rendered last, rendered again first if it is
// older than maxAge at now. A collector's error leaves out what failed and
// serves the rest, as promhttp's ContinueOnError does.
func (x *exposition) current(now time.Time) []byte {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.text != nil && now.Sub(x.renderedAt) < x.maxAge {
		return x.text
	}
	families, _ := x.gatherer.Gather()
	var b bytes.Buffer
	for _, f := range families {
		if _, err := expfmt.MetricFamilyToText(&b, f); err != nil {
			continue
		}
	}
	x.text, x.renderedAt = b.Bytes(), now
	return x.text
}
