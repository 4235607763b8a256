// Package logicaltime gives services time they can order events by and time
// they can bound: a hybrid logical clock, and true time as an interval read
// from the clockwatch agent.
//
// # Hybrid logical clock
//
// An HLC (Kulkarni et al., "Logical Physical Clocks", 2014) issues
// timestamps that are close to physical time yet order events causally: a
// timestamp taken after receiving a message is later than the message's
// timestamp, whatever the clocks of the two hosts say. Call Now for local and
// send events and Update for receive events (see ExampleHLC and
// ExampleHLC_Update):
//
//	clock := logicaltime.NewHLC()
//	stamp := clock.Now()                // send stamp with the message
//	recv, err := clock.Update(stamp)    // on the receiver
//
// Timestamps never decrease, even when the system clock steps back; they are
// unique per clock; their physical part stays within the clocks' offset of
// real time, and Update refuses a remote timestamp more than the max offset
// ahead instead of dragging the clock along, counting it in RejectedUpdates
// (ExampleWithMaxOffset). A Timestamp packs a physical time of 65.536 µs resolution
// and a 16-bit counter into 64 bits; see Timestamp for the layout, the range
// (1970 to 2262) and what a counter overflow does.
//
// Now and Update are lock-free: the physical time comes from one monotonic
// clock reading anchored to the system clock (cheaper than time.Now, which
// reads two clocks; the anchor follows a step of the system clock within
// 10 ms, and the clock stays monotonic across it), and events within one
// tick take an atomic increment that never retries. Neither allocates.
//
// The physical clock is pluggable: WithPhysicalClock takes any clock
// (ExampleWithPhysicalClock), and WithCorrectedClock reads the agent's
// corrected time (ExampleWithCorrectedClock). WithUpperBound with an
// UpperBoundFile keeps timestamps increasing across a restart of the process
// even if the system clock went back meanwhile (ExampleWithUpperBound).
//
// Timestamps encode as 8 bytes (MarshalBinary, AppendBinary;
// ExampleTimestamp_MarshalBinary), as text that sorts like them (String,
// ParseTimestamp; ExampleParseTimestamp) and as JSON strings
// (ExampleTimestamp_MarshalText).
//
// # Carrying timestamps between services
//
// One codec carries a timestamp beside any message: a Carrier is anything
// with Get and Set of string keys and values (OpenTelemetry's
// TextMapCarrier has them, and so has http.Header); Inject stamps a
// carrier with a send event's timestamp under the key Header
// ("Clockwatch-Hlc", in text form), Receive turns the stamp into a receive
// event, and Extract only reads it. Over HTTP, Transport and Middleware do
// this for every request and response (ExampleTransport,
// ExampleMiddleware); the module github.com/clockwatch/clockwatch/logicaltime/grpc
// does it for gRPC calls and streams, with the same rules; a message
// queue's record headers need a Carrier of a few lines
// (Example_eventOrdering has one for Kafka-shaped records).
//
// Why it matters, with the numbers of Example_eventOrdering: an order is
// placed at 12:00:00.000 true time, paid 2 ms later because of it, and
// shipped 2 ms after that because of the payment. The three services'
// clocks are 3.2 ms ahead, 2.1 ms behind and 0.6 ms behind. Merged by the
// records' wall-clock timestamps (Kafka's CreateTime), the payment
// (11:59:59.9999) comes before the order it pays for (12:00:00.0032).
// Merged by HLC timestamps the order is placed (.003178496, counter 0),
// paid (same tick, counter 2: the payment service received the order
// first) and shipped (.003375104), the causal order, each timestamp
// within the largest skew of true time. TestCausalOrderAcrossSkewedProducers
// runs 1000 chains of 5 such steps through 8 services: with clocks skewed
// up to ±5 ms and steps of 0.1 to 2 ms, 36 % of cause/effect pairs merge
// in the wrong order by wall clock (5.5 % at ±0.5 ms), none by HLC.
//
// # Bounded time
//
// A BoundedClock reads the estimate the clockwatch agent publishes in shared
// memory (clockwatch run --shm.path, default DefaultPath; ExampleOpenBounded)
// and returns an Interval that contains true time (ExampleBoundedClock_Now):
//
//	bc, err := logicaltime.OpenBounded(logicaltime.DefaultPath)
//	iv, err := bc.Now() // iv.Earliest ≤ true time ≤ iv.Latest
//
// The agent's best estimate of true time is the system clock corrected by
// its offset and drift, system − offset − drift × age. The interval is the
// one its sources agree holds the true offset (offset_interval in its
// status), which lies within offset ± its error bound and is narrower on
// one side when the best estimate sits off centre; both ends move out with
// the estimate's age by the drift bound and a wander allowance
// (WanderRate). Ages are measured on CLOCK_MONOTONIC, so a step of
// the system clock after the agent's last publish does not fool the reader.
// When the agent stops publishing the bound grows faster (StaleGrowthRate)
// and past a limit Now fails with ErrStale; see WithStaleAfter and
// WithStaleLimit. A truncated file makes Now fail with ErrAgentNotRunning,
// never crash, until the agent has re-sized it and published again. After, Before and WaitUntilAfter answer "has t certainly
// passed" and wait until it has, for commit wait (ExampleBoundedClock_WaitUntilAfter).
// The file format lives in the clockshm package; C programs read the same
// file with the header logicaltime/c/clockwatch_shm.h. Programs written for
// AWS ClockBound read the agent's bound from the ClockBound segment it
// writes with --clockbound.shm-path (package clockbound).
//
// # Clocks in tests
//
// Nothing in this package reads the system clock except the default physical
// clock of an HLC and the monotonic clock of a BoundedClock. A service tests
// its own time-dependent code with two fakes:
//
//   - ManualClock, a physical clock the test sets and advances, for an HLC:
//     NewHLC(WithPhysicalClock(manual.Now)) (ExampleManualClock).
//   - FakeAgent, an agent in memory whose Clock is a real BoundedClock: the
//     test sets the interval and the status, advances time, and stops the
//     fake to make the clock stale; waits advance the fake's time instead
//     of sleeping (ExampleFakeAgent, ExampleFakeAgent_Stop).
package logicaltime
