//go:build linux

package ntp

import (
	"context"
	"errors"
	"net"
	"testing"
	"time"

	"github.com/clockwatch/clockwatch/internal/testlab"
)

// TestQueryKernelTimestamps: on Linux a loopback query is stamped by the
// kernel both ways, the transmit stamp read from the error queue.
func TestQueryKernelTimestamps(t *testing.T) {
	addr := startResponder(t, &Responder{})
	c := &Client{Timeout: time.Second}
	for range 3 {
		x, err := c.Query(context.Background(), addr)
		if err != nil {
			t.Fatal(err)
		}
		if x.Timestamping != StampKernel {
			t.Errorf("timestamps %q, want %q (kernel transmit and receive)", x.Timestamping, StampKernel)
		}
	}
}

// TestQueryEndsEarly: a query that waits for a reply ends as soon as its
// context is cancelled, or as soon as the kernel reports the server's port
// closed, not when its timeout passes.
func TestQueryEndsEarly(t *testing.T) {
	silent, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	closed, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed.Close()
	c := &Client{Timeout: time.Hour}

	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	_, err = c.Query(ctx, silent.LocalAddr().(*net.UDPAddr).AddrPort())
	if !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled query: %v, want %v", err, context.Canceled)
	}

	_, err = c.Query(context.Background(), closed.LocalAddr().(*net.UDPAddr).AddrPort())
	if ResultOf(err) != ResultNetworkError {
		t.Errorf("query to a closed port: %v (%s), want %s", err, ResultOf(err), ResultNetworkError)
	}
}

// TestQueriesCloseTheirSockets: queries, answered or timed out, leave no
// descriptor open beyond the waiters kept for later queries.
func TestQueriesCloseTheirSockets(t *testing.T) {
	addr := startResponder(t, &Responder{})
	silent, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	c := &Client{Timeout: 20 * time.Millisecond}
	query := func() {
		if _, err := c.Query(context.Background(), addr); err != nil {
			t.Fatal(err)
		}
		if _, err := c.Query(context.Background(), silent.LocalAddr().(*net.UDPAddr).AddrPort()); ResultOf(err) != ResultTimeout {
			t.Fatalf("silent server: %v, want a timeout", err)
		}
	}
	query()
	before := testlab.OpenDescriptors(t, "")
	for range 20 {
		query()
	}
	if after := testlab.OpenDescriptors(t, ""); after != before {
		t.Errorf("%d descriptors open after 40 more queries, %d before", after, before)
	}
}
