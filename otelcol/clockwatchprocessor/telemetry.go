package clockwatchprocessor

import (
	"context"
	"sync"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"

	"github.com/clockwatch/clockwatch/tracecorrect"
)

// scopeName is the instrumentation scope of the processor's own metrics.
const scopeName = "github.com/clockwatch/clockwatch/otelcol/clockwatchprocessor"

// telemetry is the processor's own metrics, reported through the
// collector's telemetry settings.
type telemetry struct {
	spans           metric.Int64Counter
	spansCorrected  metric.Int64Counter
	unresolved      metric.Int64Counter
	violationsLeft  metric.Int64Counter
	refreshFailures metric.Int64Counter
	unmeasured      *recentHosts
	registration    metric.Registration
}

// newTelemetry creates the processor's instruments on meter.
func newTelemetry(meter metric.Meter, unmeasured *recentHosts) (*telemetry, error) {
	t := &telemetry{unmeasured: unmeasured}
	var err error
	counters := []struct {
		into        *metric.Int64Counter
		name, unit  string
		description string
	}{
		{&t.spans, "processor_clockwatch_spans", "{spans}", "Spans the processor has seen."},
		{&t.spansCorrected, "processor_clockwatch_spans_corrected", "{spans}", "Spans whose start or end time the processor moved."},
		{&t.unresolved, "processor_clockwatch_unresolved_traces", "{traces}", "Traces whose causality violations no shift within the hosts' error bounds removes."},
		{&t.violationsLeft, "processor_clockwatch_causality_violations_left", "{violations}", "Parent–child pairs that still break causality after correction."},
		{&t.refreshFailures, "processor_clockwatch_offsets_refresh_failures", "{failures}", "Reads of an offsets source that failed; the source's previous offsets stay in use."},
	}
	for _, c := range counters {
		if *c.into, err = meter.Int64Counter(c.name, metric.WithUnit(c.unit), metric.WithDescription(c.description)); err != nil {
			return nil, err
		}
	}
	gauge, err := meter.Int64ObservableGauge("processor_clockwatch_unmeasured_hosts", metric.WithUnit("{hosts}"),
		metric.WithDescription("Hosts whose spans arrived without offsets covering them during the last two refresh intervals; they are corrected by causality alone."))
	if err != nil {
		return nil, err
	}
	t.registration, err = meter.RegisterCallback(func(_ context.Context, o metric.Observer) error {
		o.ObserveInt64(gauge, int64(unmeasured.count()))
		return nil
	}, gauge)
	return t, err
}

// record counts what one correction did.
func (t *telemetry) record(ctx context.Context, sum tracecorrect.Summary, now time.Time) {
	t.spans.Add(ctx, int64(sum.Spans))
	if sum.SpansMoved > 0 {
		t.spansCorrected.Add(ctx, int64(sum.SpansMoved))
	}
	if sum.UnresolvedTraces > 0 {
		t.unresolved.Add(ctx, int64(sum.UnresolvedTraces))
	}
	if sum.ViolationsAfter > 0 {
		t.violationsLeft.Add(ctx, int64(sum.ViolationsAfter))
	}
	if len(sum.UnmeasuredHosts) > 0 {
		t.unmeasured.see(sum.UnmeasuredHosts, now)
	}
}

// refreshFailed counts a failed read of a source.
func (t *telemetry) refreshFailed(ctx context.Context, kind string) {
	t.refreshFailures.Add(ctx, 1, metric.WithAttributes(attribute.String("source", kind)))
}

// shutdown stops the gauge's callback.
func (t *telemetry) shutdown() error { return t.registration.Unregister() }

// recentHosts remembers the hosts seen without offsets, and when.
type recentHosts struct {
	mu   sync.Mutex
	seen map[string]time.Time
}

// see records hosts as seen at now.
func (r *recentHosts) see(hosts []string, now time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.seen == nil {
		r.seen = map[string]time.Time{}
	}
	for _, h := range hosts {
		r.seen[h] = now
	}
}

// prune forgets the hosts not seen since before and returns those left,
// in no particular order.
func (r *recentHosts) prune(before time.Time) []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var left []string
	for h, at := range r.seen {
		if at.Before(before) {
			delete(r.seen, h)
			continue
		}
		left = append(left, h)
	}
	return left
}

// count is the number of hosts remembered.
func (r *recentHosts) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.seen)
}
