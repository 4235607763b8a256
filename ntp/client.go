package ntp

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"net/netip"
	"time"
)

// Where a timestamp was taken, reported on every sample.
const (
	StampKernel   = "kernel"    // kernel software timestamps both ways
	StampKernelRX = "kernel-rx" // kernel receive, user-space transmit
	StampUser     = "user"      // user space both ways
)

// DefaultTimeout is how long a query waits for its reply.
const DefaultTimeout = 2 * time.Second

// Client sends NTP requests. The zero value is ready to use.
type Client struct {
	// Timeout bounds one query (default DefaultTimeout).
	Timeout time.Duration
	// ClockShift is added to every local timestamp. It is for tests only:
	// it pretends this host's clock is off by that much.
	ClockShift time.Duration
	// Limits are the sanity limits a reply must meet to become a sample
	// (zero: chrony's defaults); Query hands them to each Exchange.
	Limits Limits
}

// Query sends one client-mode request to addr and waits for the reply. It
// returns the raw exchange; use Exchange.Sample to validate it. A reply
// whose origin timestamp is not ours is skipped while waiting; if no genuine
// reply comes, the error is a bad_origin rejection instead of a timeout.
func (c *Client) Query(ctx context.Context, addr netip.AddrPort) (Exchange, error) {
	timeout := c.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	deadline := time.Now().Add(timeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	nonce, err := newNonce()
	if err != nil {
		return Exchange{}, err
	}
	x, err := exchange(ctx, addr.Addr().Unmap(), addr.Port(), request(nonce), deadline)
	if err != nil {
		return Exchange{}, err
	}
	x.T1, x.T4 = x.T1.Add(c.ClockShift), x.T4.Add(c.ClockShift)
	x.Nonce, x.Limits = nonce, c.Limits
	return x, nil
}

// request builds a 48-byte NTPv4 client request. Like chronyd, it carries a
// random nonce instead of our clock in the transmit timestamp: it reveals
// nothing and a reply must echo it to be believed.
func request(nonce uint64) []byte {
	b := make([]byte, 48)
	b[0] = 4<<3 | modeClient
	binary.BigEndian.PutUint64(b[40:48], nonce)
	return b
}

// newNonce returns 64 unpredictable bits.
func newNonce() (uint64, error) {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		return 0, fmt.Errorf("ntp: random nonce: %w", err)
	}
	return binary.BigEndian.Uint64(b[:]), nil
}

// echoes reports whether reply carries nonce as its origin timestamp.
func echoes(reply []byte, nonce []byte) bool {
	return len(reply) < 48 || string(reply[24:32]) == string(nonce)
}

// timeoutError is a query that got no genuine reply in time.
func timeoutError(addr netip.AddrPort, sawBadOrigin bool, timeout time.Duration) error {
	if sawBadOrigin {
		return reject(ResultBadOrigin, "ntp: query %s: only replies with a wrong origin timestamp (spoofed or stale)", addr)
	}
	return reject(ResultTimeout, "ntp: query %s: no reply in %v (check the address and that UDP to it is allowed)", addr, timeout.Round(time.Millisecond))
}

// waitContext reports ctx's error, if any.
func waitContext(ctx context.Context) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	default:
		return nil
	}
}

// wallNow reads the wall clock without Go's monotonic reading, so that
// differences of timestamps are wall-clock differences like those of kernel
// timestamps.
func wallNow() time.Time { return time.Now().Round(0) }
