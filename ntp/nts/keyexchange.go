package nts

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/clockwatch/clockwatch/internal/hostport"
)

// DefaultKEPort is the NTS-KE port (RFC 8915 section 4).
const DefaultKEPort = 4460

// ALPN is the TLS application protocol of NTS-KE.
const ALPN = "ntske/1"

// exporterLabel is the TLS exporter label the session keys are derived
// with (RFC 8915 section 5.1).
const exporterLabel = "EXPORTER-network-time-security"

// DefaultKETimeout bounds one key exchange.
const DefaultKETimeout = 10 * time.Second

// exportKeys derives the session keys of AEAD_AES_SIV_CMAC_256 for NTPv4
// from a finished TLS session.
func exportKeys(cs tls.ConnectionState) (sessionKeys, error) {
	context := []byte{0, protocolNTPv4, 0, AEADAESSIVCMAC256, 0}
	c2s, err := cs.ExportKeyingMaterial(exporterLabel, context, sivKeySize)
	if err != nil {
		return sessionKeys{}, err
	}
	context[4] = 1
	s2c, err := cs.ExportKeyingMaterial(exporterLabel, context, sivKeySize)
	if err != nil {
		return sessionKeys{}, err
	}
	return sessionKeys{c2s: c2s, s2c: s2c}, nil
}

// tlsConfig completes a TLS configuration for NTS-KE: TLS 1.3 only, ALPN
// ntske/1.
func tlsConfig(base *tls.Config) *tls.Config {
	cfg := &tls.Config{}
	if base != nil {
		cfg = base.Clone()
	}
	cfg.MinVersion = tls.VersionTLS13
	cfg.NextProtos = []string{ALPN}
	return cfg
}

// KEError is a failed key exchange: which server, at which step, and why.
type KEError struct {
	// Server is the NTS-KE server, HOST:PORT.
	Server string
	// Step is "connect", "tls", "request" or "response".
	Step string
	Err  error
}

func (e *KEError) Error() string {
	return fmt.Sprintf("nts: key exchange with %s failed at %s: %v%s", e.Server, e.Step, e.Err, e.hint())
}

func (e *KEError) Unwrap() error { return e.Err }

// hint says what to do about a key-exchange error.
func (e *KEError) hint() string {
	if e.Step == "connect" {
		return " (is an NTS-KE server listening there? its port is 4460 unless the server names another; a clockwatch peer serves one with --responder.nts.certificate)"
	}
	return certificateHint(e.Err)
}

// certificateHint says what to do about a certificate the client refused.
func certificateHint(err error) string {
	var (
		unknown  x509.UnknownAuthorityError
		hostname x509.HostnameError
		invalid  x509.CertificateInvalidError
	)
	switch {
	case errors.As(err, &unknown):
		return " (the server's certificate is not signed by a trusted CA: give its CA with --nts.ca-file)"
	case errors.As(err, &hostname):
		return fmt.Sprintf(" (the certificate does not name %q: use a name it holds in --nts.server, or for peers that share a fleet certificate its name in --nts.peers-server-name)", hostname.Host)
	case errors.As(err, &invalid):
		return " (the certificate is expired, not yet valid or not for servers: check it and this host's clock)"
	}
	return ""
}

// SplitServer parses an NTS-KE server, HOST or HOST:PORT (default port
// 4460, IPv6 literals in brackets).
func SplitServer(server string) (host string, port uint16, err error) {
	host, port, err = hostport.Split(server, DefaultKEPort)
	if err != nil {
		return "", 0, fmt.Errorf("nts: server %w", err)
	}
	return host, port, nil
}

// Association is what a key exchange gives a client: where to send NTP,
// the session keys and the first cookies.
type Association struct {
	// NTPServer and NTPPort are where to send NTP requests: the server
	// and port the key exchange named, else the KE server's host and 123.
	NTPServer string
	NTPPort   uint16
	// Cookies are the server's cookies, each good for one request.
	Cookies [][]byte
	keys    sessionKeys
}

// Dialer opens the TCP connection of a key exchange; net.Dialer's
// DialContext is one.
type Dialer func(ctx context.Context, network, address string) (net.Conn, error)

// KeyExchange runs NTS-KE with server (HOST:PORT) over TLS 1.3: it offers
// NTPv4 and AEAD_AES_SIV_CMAC_256 and returns the association the server
// grants. cfg supplies the trusted roots (nil: the system's); dial nil
// dials directly. Any failure is a *KEError.
func KeyExchange(ctx context.Context, server string, cfg *tls.Config, dial Dialer) (*Association, error) {
	host, _, err := net.SplitHostPort(server)
	if err != nil {
		return nil, &KEError{Server: server, Step: "connect", Err: err}
	}
	if dial == nil {
		dial = (&net.Dialer{}).DialContext
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, DefaultKETimeout)
		defer cancel()
	}
	raw, err := dial(ctx, "tcp", server)
	if err != nil {
		return nil, &KEError{Server: server, Step: "connect", Err: err}
	}
	defer raw.Close()
	if d, ok := ctx.Deadline(); ok {
		_ = raw.SetDeadline(d)
	}
	tc := tlsConfig(cfg)
	if tc.ServerName == "" {
		tc.ServerName = host
	}
	conn := tls.Client(raw, tc)
	if err := conn.HandshakeContext(ctx); err != nil {
		return nil, &KEError{Server: server, Step: "tls", Err: err}
	}
	if p := conn.ConnectionState().NegotiatedProtocol; p != ALPN {
		return nil, &KEError{Server: server, Step: "tls", Err: fmt.Errorf("server negotiated application protocol %q, not %q (is it an NTS-KE server?)", p, ALPN)}
	}
	if _, err := conn.Write(clientRequest()); err != nil {
		return nil, &KEError{Server: server, Step: "request", Err: err}
	}
	records, err := readMessage(conn)
	if err != nil {
		return nil, &KEError{Server: server, Step: "response", Err: err}
	}
	assoc, err := parseResponse(records, host)
	if err != nil {
		return nil, &KEError{Server: server, Step: "response", Err: err}
	}
	if assoc.keys, err = exportKeys(conn.ConnectionState()); err != nil {
		return nil, &KEError{Server: server, Step: "tls", Err: fmt.Errorf("export keys: %w", err)}
	}
	return assoc, nil
}

// clientRequest is the key-exchange request: NTPv4, AES-SIV-CMAC-256.
func clientRequest() []byte {
	b := AppendRecord(nil, Record{Critical: true, Type: RecordNextProtocol, Body: uint16s(protocolNTPv4)})
	b = AppendRecord(b, Record{Critical: true, Type: RecordAEAD, Body: uint16s(AEADAESSIVCMAC256)})
	return AppendRecord(b, Record{Critical: true, Type: RecordEndOfMessage})
}

// maxCookieSize is the longest cookie a client keeps: placeholders of its
// size go into every request.
const maxCookieSize = 1024

// parseResponse reads a server's key-exchange response; kehost is the
// KE server's host, the NTP server when the response names none.
func parseResponse(records []Record, kehost string) (*Association, error) {
	a := &Association{NTPServer: kehost, NTPPort: 123}
	var protocolOK, aeadOK bool
	for _, r := range records {
		switch r.Type {
		case RecordNextProtocol:
			v, err := parseUint16s(r)
			if err != nil || len(v) != 1 || v[0] != protocolNTPv4 {
				return nil, fmt.Errorf("server chose next protocols %v, not NTPv4 (0)", v)
			}
			protocolOK = true
		case RecordAEAD:
			v, err := parseUint16s(r)
			if err != nil || len(v) != 1 || v[0] != AEADAESSIVCMAC256 {
				return nil, fmt.Errorf("server chose AEAD algorithms %v, not AEAD_AES_SIV_CMAC_256 (15)", v)
			}
			aeadOK = true
		case RecordError:
			v, _ := parseUint16s(r)
			return nil, fmt.Errorf("server reports error %v (0: unrecognized critical record, 1: bad request, 2: internal error)", v)
		case RecordNewCookie:
			if len(r.Body) == 0 || len(r.Body) > maxCookieSize {
				return nil, fmt.Errorf("cookie of %d bytes (want 1 to %d)", len(r.Body), maxCookieSize)
			}
			if len(a.Cookies) < maxCookies {
				a.Cookies = append(a.Cookies, append([]byte(nil), r.Body...))
			}
		case RecordServer:
			name := string(r.Body)
			if name == "" || strings.ContainsAny(name, " /[]\x00") {
				return nil, fmt.Errorf("server record %q is not a host name or address", name)
			}
			a.NTPServer = name
		case RecordPort:
			v, err := parseUint16s(r)
			if err != nil || len(v) != 1 || v[0] == 0 {
				return nil, fmt.Errorf("port record %x is not one port", r.Body)
			}
			a.NTPPort = v[0]
		case RecordWarning:
			// Not fatal: RFC 8915 leaves a warning's meaning to its code.
		default:
			if r.Critical {
				return nil, fmt.Errorf("unrecognized critical record of type %d", r.Type)
			}
		}
	}
	switch {
	case !protocolOK:
		return nil, errors.New("response has no next-protocol record")
	case !aeadOK:
		return nil, errors.New("response has no AEAD record")
	case len(a.Cookies) == 0:
		return nil, errors.New("response has no cookies")
	}
	return a, nil
}
