package logicaltime

import (
	"context"
	"fmt"
)

// Carrier is where a timestamp travels beside a message: HTTP headers, gRPC
// metadata, the headers of a message-queue record (Kafka's, for one). It
// has the Get and Set of OpenTelemetry's propagation.TextMapCarrier, so
// those carriers are Carriers too, and so is http.Header.
//
// Every carrier holds the timestamp under the key Header, as its text form
// (Timestamp.String), so a stamp set on one carrier reads the same from
// any other that copies its key and value.
type Carrier interface {
	// Get returns the value stored under key, or "" when there is none.
	Get(key string) string
	// Set stores value under key, replacing what was there.
	Set(key, value string)
}

// MapCarrier is a Carrier over a map, for headers a message already holds
// as one (a NATS or AMQP message's, say). Keys are case-sensitive.
type MapCarrier map[string]string

// Get returns the value of key.
func (m MapCarrier) Get(key string) string { return m[key] }

// Set stores value under key.
func (m MapCarrier) Set(key, value string) { m[key] = value }

// Inject stamps c with clock.Now, the timestamp of a send event, and
// returns that timestamp.
func Inject(clock *HLC, c Carrier) Timestamp {
	ts := clock.Now()
	var buf [TextLen]byte
	c.Set(Header, string(ts.appendText(buf[:0])))
	return ts
}

// Extract returns the timestamp c carries, without touching a clock; the
// zero Timestamp when c carries none. It fails for a malformed stamp.
func Extract(c Carrier) (Timestamp, error) {
	stamp := c.Get(Header)
	if stamp == "" {
		return Timestamp{}, nil
	}
	ts, err := ParseTimestamp(stamp)
	if err != nil {
		return Timestamp{}, fmt.Errorf("%s: %w", Header, err)
	}
	return ts, nil
}

// Receive updates clock from the timestamp c carries, a receive event, and
// returns the receive timestamp; the zero Timestamp, and clock untouched,
// when c carries none. It fails, leaving clock as it was, for a malformed
// stamp and for one clock.Update refuses (wrapping ErrRemoteAhead or
// ErrTimestampRange).
func Receive(clock *HLC, c Carrier) (Timestamp, error) {
	remote, err := Extract(c)
	if err != nil || remote.IsZero() {
		return Timestamp{}, err
	}
	ts, err := clock.Update(remote)
	if err != nil {
		return Timestamp{}, fmt.Errorf("%s: %w", Header, err)
	}
	return ts, nil
}

// ContextWithTimestamp returns a copy of ctx that carries ts as the receive
// timestamp of the request being handled, for TimestampFromContext. The
// server-side propagators (Middleware, logicaltime/grpc's interceptors)
// call it; a handler of another transport may too.
func ContextWithTimestamp(ctx context.Context, ts Timestamp) context.Context {
	return context.WithValue(ctx, receiveKey{}, ts)
}

// TimestampFromContext returns the receive timestamp a server-side
// propagator put into the request's context; false if the request carried
// no stamp.
func TimestampFromContext(ctx context.Context) (Timestamp, bool) {
	ts, ok := ctx.Value(receiveKey{}).(Timestamp)
	return ts, ok
}

// receiveKey is the context key of the receive timestamp.
type receiveKey struct{}
