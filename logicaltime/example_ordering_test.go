package logicaltime_test

import (
	"fmt"
	"log"
	"slices"
	"time"

	"github.com/clockwatch/clockwatch/logicaltime"
)

// record is a message-queue record shaped as Kafka clients hold one
// (franz-go's kgo.Record, sarama's ProducerMessage): a timestamp the
// producer sets from its wall clock, and a list of headers.
type record struct {
	Producer  string
	Value     string
	Timestamp time.Time // Kafka's CreateTime: the producer's wall clock
	Headers   []recordHeader
}

// recordHeader is one header of a record, as in kgo.RecordHeader.
type recordHeader struct {
	Key   string
	Value []byte
}

// headerCarrier makes a record's headers a logicaltime.Carrier.
type headerCarrier struct{ r *record }

// Get returns the value of the first header named key.
func (c headerCarrier) Get(key string) string {
	for _, h := range c.r.Headers {
		if h.Key == key {
			return string(h.Value)
		}
	}
	return ""
}

// Set replaces the headers named key with one holding value.
func (c headerCarrier) Set(key, value string) {
	c.r.Headers = slices.DeleteFunc(c.r.Headers, func(h recordHeader) bool { return h.Key == key })
	c.r.Headers = append(c.r.Headers, recordHeader{Key: key, Value: []byte(value)})
}

// service is a producer and consumer whose system clock is off true time
// by skew.
type service struct {
	name  string
	skew  time.Duration
	clock *logicaltime.ManualClock // the service's system clock
	hlc   *logicaltime.HLC
}

func newService(name string, skew time.Duration) *service {
	clock := logicaltime.NewManualClock(time.Time{})
	return &service{name: name, skew: skew, clock: clock, hlc: logicaltime.NewHLC(logicaltime.WithPhysicalClock(clock.Now))}
}

// at sets the service's system clock for true time t.
func (s *service) at(t time.Time) { s.clock.Set(t.Add(s.skew)) }

// produce makes a record at true time t, stamped with the wall clock as
// Kafka does and with the HLC in a header.
func (s *service) produce(t time.Time, value string) record {
	s.at(t)
	r := record{Producer: s.name, Value: value, Timestamp: s.clock.Now()}
	logicaltime.Inject(s.hlc, headerCarrier{&r})
	return r
}

// consume receives r at true time t: a receive event of the HLC.
func (s *service) consume(t time.Time, r record) {
	s.at(t)
	if _, err := logicaltime.Receive(s.hlc, headerCarrier{&r}); err != nil {
		log.Fatal(err)
	}
}

// Example_eventOrdering merges the records of three services whose clocks
// are skewed by a few milliseconds. An order is placed, its payment is
// captured because of it, and it is shipped because of the payment; each
// step takes a millisecond. Merged by the producers' wall clocks, the
// payment comes first: an effect before its cause. Merged by HLC
// timestamps, which travel in the records' headers, the causal order
// holds, and each timestamp stays within the skew of true time.
func Example_eventOrdering() {
	orders := newService("orders", 3200*time.Microsecond)      // 3.2 ms ahead
	payments := newService("payments", -2100*time.Microsecond) // 2.1 ms behind
	shipping := newService("shipping", -600*time.Microsecond)  // 0.6 ms behind

	// True times: placed at 12:00:00.000, paid at .002, shipped at .004.
	t := noon
	placed := orders.produce(t, "order 42 placed")
	payments.consume(t.Add(1*time.Millisecond), placed)
	paid := payments.produce(t.Add(2*time.Millisecond), "order 42 paid")
	shipping.consume(t.Add(3*time.Millisecond), paid)
	shipped := shipping.produce(t.Add(4*time.Millisecond), "order 42 shipped")

	merged := []record{shipped, paid, placed} // as a consumer of three partitions may see them

	fmt.Println("by wall clock (Kafka CreateTime):")
	slices.SortStableFunc(merged, func(a, b record) int { return a.Timestamp.Compare(b.Timestamp) })
	for _, r := range merged {
		fmt.Printf("  %s  %-8s  %s\n", r.Timestamp.Format("15:04:05.000000"), r.Producer, r.Value)
	}

	fmt.Println("by HLC timestamp (Clockwatch-Hlc header):")
	stamp := func(r record) logicaltime.Timestamp {
		ts, err := logicaltime.Extract(headerCarrier{&r})
		if err != nil {
			log.Fatal(err)
		}
		return ts
	}
	slices.SortStableFunc(merged, func(a, b record) int { return stamp(a).Compare(stamp(b)) })
	for _, r := range merged {
		fmt.Printf("  %s  %-8s  %s\n", stamp(r), r.Producer, r.Value)
	}
	// Output:
	// by wall clock (Kafka CreateTime):
	//   11:59:59.999900  payments  order 42 paid
	//   12:00:00.003200  orders    order 42 placed
	//   12:00:00.003400  shipping  order 42 shipped
	// by HLC timestamp (Clockwatch-Hlc header):
	//   2025-06-01T12:00:00.003178496Z_00000  orders    order 42 placed
	//   2025-06-01T12:00:00.003178496Z_00002  payments  order 42 paid
	//   2025-06-01T12:00:00.003375104Z_00000  shipping  order 42 shipped
}
