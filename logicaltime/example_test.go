package logicaltime_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"time"

	"github.com/clockwatch/clockwatch/logicaltime"
)

// fixedClock returns a physical clock stuck at t, so the examples print the
// same timestamps on every run.
func fixedClock(t time.Time) func() time.Time { return func() time.Time { return t } }

var noon = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

func ExampleHLC() {
	clock := logicaltime.NewHLC(logicaltime.WithPhysicalClock(fixedClock(noon)))
	first := clock.Now()
	second := clock.Now() // same physical time: the counter orders them
	fmt.Println(first)
	fmt.Println(second)
	fmt.Println(first.Compare(second), second.Time())
	// Output:
	// 2025-06-01T11:59:59.999967232Z_00000
	// 2025-06-01T11:59:59.999967232Z_00001
	// -1 2025-06-01 11:59:59.999967232 +0000 UTC
}

func ExampleHLC_Update() {
	// The sender's clock is 100 ms ahead of the receiver's.
	sender := logicaltime.NewHLC(logicaltime.WithPhysicalClock(fixedClock(noon.Add(100 * time.Millisecond))))
	receiver := logicaltime.NewHLC(logicaltime.WithPhysicalClock(fixedClock(noon)))

	sent := sender.Now() // travels with the message
	received, err := receiver.Update(sent)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("sent:    ", sent)
	fmt.Println("received:", received)
	fmt.Println("ordered: ", sent.Before(received))
	// Output:
	// sent:     2025-06-01T12:00:00.099975168Z_00000
	// received: 2025-06-01T12:00:00.099975168Z_00001
	// ordered:  true
}

func ExampleWithMaxOffset() {
	receiver := logicaltime.NewHLC(
		logicaltime.WithPhysicalClock(fixedClock(noon)),
		logicaltime.WithMaxOffset(250*time.Millisecond),
	)
	fromTheFuture := logicaltime.TimestampAt(noon.Add(time.Hour))
	_, err := receiver.Update(fromTheFuture)
	fmt.Println(errors.Is(err, logicaltime.ErrRemoteAhead), receiver.RejectedUpdates())
	// Output: true 1
}

func ExampleWithPhysicalClock() {
	// Any clock will do, for example a ManualClock that a test moves by hand.
	manual := logicaltime.NewManualClock(noon)
	clock := logicaltime.NewHLC(logicaltime.WithPhysicalClock(manual.Now))
	before := clock.Now()
	manual.Advance(-time.Hour) // the system clock steps back
	after := clock.Now()
	fmt.Println(before.Before(after), after.Time().Equal(before.Time()))
	// Output: true true
}

func ExampleManualClock() {
	manual := logicaltime.NewManualClock(noon)
	clock := logicaltime.NewHLC(logicaltime.WithPhysicalClock(manual.Now))
	fmt.Println(clock.Now())
	manual.Advance(time.Millisecond)
	fmt.Println(clock.Now())
	manual.Set(noon) // back again: the counter keeps the order
	fmt.Println(clock.Now())
	// Output:
	// 2025-06-01T11:59:59.999967232Z_00000
	// 2025-06-01T12:00:00.000950272Z_00000
	// 2025-06-01T12:00:00.000950272Z_00001
}

func ExampleWithCorrectedClock() {
	bounded, err := logicaltime.OpenBounded(logicaltime.DefaultPath)
	if err != nil {
		log.Fatal(err) // the agent is not running: clockwatch run --shm.path ...
	}
	defer bounded.Close()
	clock := logicaltime.NewHLC(logicaltime.WithCorrectedClock(bounded))
	fmt.Println(clock.Now())
}

func ExampleWithUpperBound() {
	path := filepath.Join(os.TempDir(), fmt.Sprintf("hlc-bound-example-%d", os.Getpid()))
	defer os.Remove(path)
	run := func(now time.Time) logicaltime.Timestamp {
		file, err := logicaltime.OpenUpperBoundFile(path)
		if err != nil {
			log.Fatal(err)
		}
		clock := logicaltime.NewHLC(
			logicaltime.WithPhysicalClock(fixedClock(now)),
			logicaltime.WithUpperBound(file, time.Second),
		)
		return clock.Now()
	}
	before := run(noon)
	after := run(noon.Add(-time.Hour)) // restarted after the clock went back
	fmt.Println(before)
	fmt.Println(after)
	// Output:
	// 2025-06-01T11:59:59.999967232Z_00000
	// 2025-06-01T12:00:00.999981056Z_00001
}

func ExampleTimestamp_MarshalText() {
	type event struct {
		Name string                `json:"name"`
		At   logicaltime.Timestamp `json:"at"`
	}
	clock := logicaltime.NewHLC(logicaltime.WithPhysicalClock(fixedClock(noon)))
	out, err := json.Marshal(event{Name: "order placed", At: clock.Now()})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(string(out))

	var in event
	if err := json.Unmarshal(out, &in); err != nil {
		log.Fatal(err)
	}
	fmt.Println(in.At.Logical(), in.At.Time())
	// Output:
	// {"name":"order placed","at":"2025-06-01T11:59:59.999967232Z_00000"}
	// 0 2025-06-01 11:59:59.999967232 +0000 UTC
}

func ExampleTimestamp_MarshalBinary() {
	ts, err := logicaltime.ParseTimestamp("2025-06-01T11:59:59.999967232Z_00007")
	if err != nil {
		log.Fatal(err)
	}
	key, _ := ts.MarshalBinary() // 8 bytes that sort like the timestamps
	fmt.Printf("%x\n", key)
	var back logicaltime.Timestamp
	if err := back.UnmarshalBinary(key); err != nil {
		log.Fatal(err)
	}
	fmt.Println(back == ts)
	// Output:
	// 1844e96abe970007
	// true
}

func ExampleParseTimestamp() {
	ts, err := logicaltime.ParseTimestamp("2025-06-01T11:59:59.999967232Z_00042")
	fmt.Println(ts.Logical(), err)
	_, err = logicaltime.ParseTimestamp("2025-06-01T12:00:00Z")
	fmt.Println(err != nil)
	// Output:
	// 42 <nil>
	// true
}

func ExampleTransport() {
	server := logicaltime.NewHLC()
	srv := httptest.NewServer(logicaltime.Middleware(server, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "hello")
	})))
	defer srv.Close()

	clock := logicaltime.NewHLC()
	client := &http.Client{Transport: &logicaltime.Transport{Clock: clock}}
	sent := clock.Now()
	resp, err := client.Get(srv.URL)
	if err != nil {
		log.Fatal(err)
	}
	resp.Body.Close()
	reply, _ := logicaltime.ParseTimestamp(resp.Header.Get(logicaltime.Header))
	fmt.Println(sent.Before(reply), reply.Before(clock.Now()))
	// Output: true true
}

func ExampleMiddleware() {
	clock := logicaltime.NewHLC()
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		received, ok := logicaltime.TimestampFromContext(r.Context())
		fmt.Fprintln(w, ok, received.Before(clock.Now()))
	})
	srv := httptest.NewServer(logicaltime.Middleware(clock, handler))
	defer srv.Close()

	req, _ := http.NewRequest(http.MethodGet, srv.URL, nil)
	req.Header.Set(logicaltime.Header, logicaltime.NewHLC().Now().String())
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		log.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	fmt.Print(string(body))
	// Output: true true
}

func ExampleOpenBounded() {
	bounded, err := logicaltime.OpenBounded(logicaltime.DefaultPath, logicaltime.WithStaleLimit(5*time.Minute))
	if errors.Is(err, logicaltime.ErrAgentNotRunning) {
		log.Fatal(err) // says how to start it: clockwatch run --shm.path /run/clockwatch/clock
	}
	if err != nil {
		log.Fatal(err)
	}
	defer bounded.Close()
}

func ExampleBoundedClock_Now() {
	bounded, err := logicaltime.OpenBounded(logicaltime.DefaultPath)
	if err != nil {
		log.Fatal(err)
	}
	defer bounded.Close()
	now, err := bounded.Now()
	if err != nil {
		log.Fatal(err) // unsynchronized, or the agent stopped publishing
	}
	fmt.Printf("true time is %v ± %v\n", now.Midpoint(), now.Width()/2)
}

func ExampleBoundedClock_WaitUntilAfter() {
	bounded, err := logicaltime.OpenBounded(logicaltime.DefaultPath)
	if err != nil {
		log.Fatal(err)
	}
	defer bounded.Close()
	// Commit wait: pick the commit time at the latest possible true time,
	// then wait until every clock in the fleet has certainly passed it.
	now, err := bounded.Now()
	if err != nil {
		log.Fatal(err)
	}
	commit := now.Latest
	if err := bounded.WaitUntilAfter(context.Background(), commit); err != nil {
		log.Fatal(err)
	}
	fmt.Println("committed at", commit)
}

// commitWait is code under test in the examples of FakeAgent: it picks the
// latest possible true time as the commit time, then waits until that time
// has certainly passed.
func commitWait(ctx context.Context, clock *logicaltime.BoundedClock) (time.Time, error) {
	now, err := clock.Now()
	if err != nil {
		return time.Time{}, err
	}
	return now.Latest, clock.WaitUntilAfter(ctx, now.Latest)
}

func ExampleFakeAgent() {
	agent := logicaltime.NewFakeAgent(noon)
	// True time lies between 1 ms before and 4 ms after the fake's time.
	if err := agent.SetInterval(noon.Add(-time.Millisecond), noon.Add(4*time.Millisecond)); err != nil {
		log.Fatal(err)
	}
	commit, err := commitWait(context.Background(), agent.Clock())
	fmt.Println(commit.Format(time.StampMicro), err)
	// The fake's waits advance its time instead of sleeping.
	fmt.Println("waited", agent.Now().Sub(noon))

	agent.SetStatus(logicaltime.StatusUnsynchronized)
	_, err = commitWait(context.Background(), agent.Clock())
	fmt.Println(errors.Is(err, logicaltime.ErrUnsynchronized))
	// Output:
	// Jun  1 12:00:00.004000 <nil>
	// waited 5.001ms
	// true
}

func ExampleFakeAgent_Stop() {
	agent := logicaltime.NewFakeAgent(noon, logicaltime.WithStaleLimit(10*time.Second))
	if err := agent.SetInterval(noon.Add(-time.Millisecond), noon.Add(time.Millisecond)); err != nil {
		log.Fatal(err)
	}
	agent.Stop() // the agent dies
	agent.Advance(3 * time.Second)
	// Each end moves out by 500 ppm × 2 s (silent past the stale-after
	// time of 1 s) and by the wander allowance, 1e-8/s × (3 s)² / 2.
	iv, err := agent.Clock().Now()
	fmt.Println(iv.Width(), err)
	agent.Advance(10 * time.Second)
	_, err = agent.Clock().Now()
	fmt.Println(errors.Is(err, logicaltime.ErrStale))
	// Output:
	// 4.00009ms <nil>
	// true
}
