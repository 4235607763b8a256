package ntp

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"net/netip"
	"time"

	"github.com/clockwatch/clockwatch/internal/localclock"
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
	// Clock is the local clock whose offset is measured (default the
	// system clock): the client's timestamps, taken on the system clock
	// by the kernel or in user space, are placed on it.
	Clock func() time.Time
	// Limits are the sanity limits a reply must meet to become a sample
	// (zero: chrony's defaults); Query hands them to each Exchange.
	Limits Limits
}

// Query sends one client-mode request to addr and waits for the reply. It
// returns the raw exchange; use Exchange.Sample to validate it. A reply
// whose origin timestamp is not ours is skipped while waiting; if no genuine
// reply comes, the error is a bad_origin rejection instead of a timeout.
func (c *Client) Query(ctx context.Context, addr netip.AddrPort) (Exchange, error) {
	return c.QueryAuthenticated(ctx, addr, nil)
}

// QueryAuthenticated is Query with auth (nil: none): the request carries
// auth's MAC or NTS fields, and a reply counts only once auth has checked
// it. Replies that fail are skipped while waiting, as a forgery may race
// the genuine reply; if no authentic reply comes, the error is a bad_mac
// rejection that says why, never the unauthenticated reply. NTS may send
// the request to the server its key exchange named instead of addr.
func (c *Client) QueryAuthenticated(ctx context.Context, addr netip.AddrPort, auth Authenticator) (Exchange, error) {
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
	out := outgoing{packet: NewRequest(nonce)}
	if auth != nil {
		if out, addr, err = secure(ctx, auth, out.packet, addr); err != nil {
			return Exchange{}, err
		}
	}
	x, err := exchange(ctx, addr.Addr().Unmap(), addr.Port(), out, deadline)
	if key, ok := auth.(*SymmetricKey); ok && err != nil {
		err = key.explainTimeout(err)
	}
	if err != nil {
		return Exchange{}, err
	}
	ahead := localclock.AheadOfSystem(c.Clock)
	x.T1, x.T4 = x.T1.Add(ahead), x.T4.Add(ahead)
	x.Nonce, x.Limits = nonce, c.Limits
	return x, nil
}

// outgoing is a request and the check its reply must pass (nil: none).
type outgoing struct {
	packet []byte
	check  func(reply []byte) error
}

// secure authenticates header with auth and returns the request and where
// it goes.
func secure(ctx context.Context, auth Authenticator, header []byte, addr netip.AddrPort) (outgoing, netip.AddrPort, error) {
	sec, err := auth.Secure(ctx, header)
	if err != nil {
		return outgoing{}, addr, err
	}
	if sec.Host != "" {
		ip, err := resolveHost(ctx, sec.Host)
		if err != nil {
			return outgoing{}, addr, err
		}
		addr = netip.AddrPortFrom(ip, sec.Port)
	}
	return outgoing{packet: sec.Packet, check: sec.Check}, addr, nil
}

// NewRequest builds the 48-byte NTPv4 client request the client sends.
// Like chronyd's, it carries a random nonce instead of the client's clock
// in the transmit timestamp: it reveals nothing, and a reply must echo it
// (Exchange.Nonce) to be believed.
func NewRequest(nonce uint64) []byte {
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

// timeoutError is a query that got no genuine reply in time; authErr is
// why the last reply that echoed our origin failed authentication, if one
// did.
func timeoutError(addr netip.AddrPort, sawBadOrigin bool, authErr error, timeout time.Duration) error {
	if authErr != nil && finalAuthError(authErr) {
		return &RejectError{Result: authResult(authErr), Err: fmt.Errorf("ntp: query %s: %w", addr, authErr)}
	}
	if authErr != nil {
		return &RejectError{Result: authResult(authErr), Err: fmt.Errorf("ntp: query %s: no authentic reply in %v: %w", addr, timeout.Round(time.Millisecond), authErr)}
	}
	if sawBadOrigin {
		return reject(ResultBadOrigin, "ntp: query %s: only replies with a wrong origin timestamp (spoofed or stale)", addr)
	}
	return reject(ResultTimeout, "ntp: query %s: no reply in %v (check the address and that UDP to it is allowed)", addr, timeout.Round(time.Millisecond))
}

// checkReply runs the request's check on a reply that echoes its origin.
func (o outgoing) checkReply(reply []byte) error {
	if o.check == nil {
		return nil
	}
	return o.check(reply)
}
