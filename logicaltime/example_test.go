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
	// Any clock will do, for example one that a test advances by hand.
	now := noon
	clock := logicaltime.NewHLC(logicaltime.WithPhysicalClock(func() time.Time { return now }))
	before := clock.Now()
	now = now.Add(-time.Hour) // the system clock steps back
	after := clock.Now()
	fmt.Println(before.Before(after), after.Time().Equal(before.Time()))
	// Output: true true
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
