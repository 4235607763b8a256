package nts

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
)

// maxCookies is how many cookies a client keeps: each request spends one
// and asks for as many as it lacks.
const maxCookies = 8

// uniqueIDSize is the length of the Unique Identifier a client sends
// (RFC 8915 section 5.3: at least 32).
const uniqueIDSize = 32

// Errors of Request.Check. Both are wrapped with the details.
var (
	// ErrBadAuthentication is a reply that is not authenticated by the
	// association's key: tampered with, forged or garbled.
	ErrBadAuthentication = errors.New("nts: reply fails authentication")
	// ErrNAK is an NTS negative acknowledgement (kiss code NTSN): the
	// server cannot use our cookie. The association is dropped, so the
	// next request runs a new key exchange.
	ErrNAK = errors.New("nts: server refused the cookie (NTS NAK)")
)

// Client keeps an NTS association with one server: it runs the key
// exchange when it has no cookie left or after a NAK, builds
// authenticated requests and checks their replies. Safe for concurrent
// use.
type Client struct {
	server string
	tls    *tls.Config
	dial   Dialer

	mu    sync.Mutex
	assoc *Association

	keyExchanges, keFailures, cookiesReceived, badAuth, naks atomic.Uint64
}

// ClientStats counts what a Client did.
type ClientStats struct {
	// KeyExchanges succeeded; KEFailures did not.
	KeyExchanges, KEFailures uint64
	// CookiesReceived in NTP replies, each replacing a spent one.
	CookiesReceived uint64
	// BadAuthentication counts replies that failed authentication.
	BadAuthentication uint64
	// NAKs counts NTS NAKs (kiss code NTSN) from the server.
	NAKs uint64
	// Cookies is how many unspent cookies the client holds.
	Cookies int
}

// NewClient returns a client of the NTS-KE server at server, HOST or
// HOST:PORT (default 4460). cfg supplies the trusted roots (nil: the
// system's); dial nil dials directly.
func NewClient(server string, cfg *tls.Config, dial Dialer) (*Client, error) {
	host, port, err := SplitServer(server)
	if err != nil {
		return nil, err
	}
	return &Client{server: net.JoinHostPort(host, strconv.Itoa(int(port))), tls: cfg, dial: dial}, nil
}

// Server is the NTS-KE server, HOST:PORT.
func (c *Client) Server() string { return c.server }

// Stats returns the counts so far.
func (c *Client) Stats() ClientStats {
	c.mu.Lock()
	n := 0
	if c.assoc != nil {
		n = len(c.assoc.Cookies)
	}
	c.mu.Unlock()
	return ClientStats{
		KeyExchanges: c.keyExchanges.Load(), KEFailures: c.keFailures.Load(),
		CookiesReceived: c.cookiesReceived.Load(), BadAuthentication: c.badAuth.Load(),
		NAKs: c.naks.Load(), Cookies: n,
	}
}

// Request is one authenticated NTP request, ready to send.
type Request struct {
	// Packet is the request: the header given to NewRequest and the NTS
	// extension fields.
	Packet []byte
	// Host and Port are the NTP server to send it to.
	Host string
	Port uint16

	client *Client
	assoc  *Association
	uid    []byte
	s2c    *AESSIV
}

// NewRequest turns an NTP client header (48 bytes) into an authenticated
// request, running a key exchange first if there is no cookie left. A
// failed key exchange is a *KEError.
func (c *Client) NewRequest(ctx context.Context, header []byte) (*Request, error) {
	assoc, cookie, err := c.takeCookie(ctx)
	if err != nil {
		return nil, err
	}
	c2s, err := NewAESSIV(assoc.keys.c2s)
	if err != nil {
		return nil, err
	}
	s2c, err := NewAESSIV(assoc.keys.s2c)
	if err != nil {
		return nil, err
	}
	uid := make([]byte, uniqueIDSize)
	if _, err := rand.Read(uid); err != nil {
		return nil, fmt.Errorf("nts: unique identifier: %w", err)
	}
	packet := append(make([]byte, 0, 1024), header...)
	packet = AppendExtensionField(packet, FieldUniqueIdentifier, uid)
	packet = AppendExtensionField(packet, FieldCookie, cookie.cookie)
	for range cookie.missing {
		packet = AppendExtensionField(packet, FieldCookiePlaceholder, make([]byte, len(cookie.cookie)))
	}
	if packet, err = appendAuthenticator(packet, c2s, nil); err != nil {
		return nil, err
	}
	return &Request{Packet: packet, Host: assoc.NTPServer, Port: assoc.NTPPort, client: c, assoc: assoc, uid: uid, s2c: s2c}, nil
}

// spentCookie is the cookie a request carries and how many more cookies
// it asks for.
type spentCookie struct {
	cookie  []byte
	missing int
}

// takeCookie spends a cookie of the association, running a key exchange
// first when there is none.
func (c *Client) takeCookie(ctx context.Context) (*Association, spentCookie, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.assoc == nil || len(c.assoc.Cookies) == 0 {
		assoc, err := KeyExchange(ctx, c.server, c.tls, c.dial)
		if err != nil {
			c.keFailures.Add(1)
			return nil, spentCookie{}, err
		}
		c.keyExchanges.Add(1)
		c.assoc = assoc
	}
	cookies := c.assoc.Cookies
	last := len(cookies) - 1
	spent := spentCookie{cookie: cookies[last], missing: maxCookies - last - 1}
	c.assoc.Cookies = cookies[:last]
	return c.assoc, spent, nil
}

// Check authenticates reply, the answer to r, and keeps the cookies it
// brings. nil means the reply is the server's, unaltered. An NTS NAK is
// ErrNAK; anything else that is not authentic wraps ErrBadAuthentication.
func (r *Request) Check(reply []byte) error {
	err := r.check(reply)
	switch {
	case errors.Is(err, ErrNAK):
		r.client.naks.Add(1)
		r.client.dropAssociation(r.assoc)
	case err != nil:
		r.client.badAuth.Add(1)
	}
	return err
}

func (r *Request) check(reply []byte) error {
	fields, err := ParseExtensionFields(reply)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrBadAuthentication, err)
	}
	uidOK, auth := false, -1
	for i, f := range fields {
		switch {
		case auth >= 0:
			return fmt.Errorf("%w: extension field 0x%04x after the authenticator", ErrBadAuthentication, f.Type)
		case f.Type == FieldUniqueIdentifier:
			uidOK = uidOK || bytes.Equal(f.Body, r.uid)
		case f.Type == FieldAuthenticator:
			auth = i
		}
	}
	if !uidOK {
		return fmt.Errorf("%w: unique identifier missing or not ours", ErrBadAuthentication)
	}
	if auth < 0 {
		if isNAK(reply) {
			return ErrNAK
		}
		return fmt.Errorf("%w: %v", ErrBadAuthentication, ErrNoAuthenticator)
	}
	plaintext, err := openAuthenticator(reply, fields[auth], r.s2c)
	if errors.Is(err, ErrAuthentication) {
		return fmt.Errorf("%w: the authenticator does not match (altered in transit, or sealed with another key)", ErrBadAuthentication)
	}
	if err != nil {
		return fmt.Errorf("%w: %v", ErrBadAuthentication, err)
	}
	encrypted, err := parseFieldList(plaintext)
	if err != nil {
		return fmt.Errorf("%w: encrypted fields: %v", ErrBadAuthentication, err)
	}
	for _, f := range encrypted {
		if f.Type == FieldCookie && len(f.Body) > 0 && len(f.Body) <= maxCookieSize {
			r.client.keepCookie(r.assoc, f.Body)
		}
	}
	return nil
}

// isNAK reports whether an NTP header is a kiss-o'-death NTSN.
func isNAK(header []byte) bool {
	return header[1] == 0 && string(header[12:16]) == "NTSN"
}

// keepCookie adds a fresh cookie to the association it was issued for,
// unless that association has been replaced since or is full.
func (c *Client) keepCookie(assoc *Association, cookie []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.assoc != assoc || len(assoc.Cookies) >= maxCookies {
		return
	}
	c.assoc.Cookies = append(c.assoc.Cookies, append([]byte(nil), cookie...))
	c.cookiesReceived.Add(1)
}

// dropAssociation forgets the association a NAK was for, so the next
// request runs a key exchange.
func (c *Client) dropAssociation(assoc *Association) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.assoc == assoc {
		c.assoc = nil
	}
}
