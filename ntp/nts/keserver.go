package nts

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// cookiesPerKE is how many cookies a key exchange grants (RFC 8915
// recommends eight).
const cookiesPerKE = 8

// maxKEConnections is how many key exchanges a KEServer runs at once;
// more wait for the listener.
const maxKEConnections = 32

// KEServer answers NTS-KE over TLS 1.3 (RFC 8915 section 4): it grants
// NTPv4 with AEAD_AES_SIV_CMAC_256 and eight cookies sealed with Keys, for
// the NTP server named by NTPServer and NTPPort.
type KEServer struct {
	// TLS holds the server's certificate; MinVersion and NextProtos are
	// set for NTS-KE whatever they are.
	TLS *tls.Config
	// Keys seal the cookies; the NTP responder opens them with the same.
	Keys *ServerKeys
	// NTPServer is the NTP server advertised (a Server record); "" lets
	// clients use this server's own address.
	NTPServer string
	// NTPPort is the NTP port advertised (a Port record); 0 lets clients
	// use 123.
	NTPPort uint16
	// Timeout bounds each key exchange (default DefaultKETimeout).
	Timeout time.Duration
	// Logger reports failed key exchanges at debug level; nil discards.
	Logger *slog.Logger

	granted, failed atomic.Uint64
}

// KEServerStats counts the key exchanges a KEServer ran.
type KEServerStats struct {
	Granted, Failed uint64
}

// Stats returns the counts so far.
func (s *KEServer) Stats() KEServerStats {
	return KEServerStats{Granted: s.granted.Load(), Failed: s.failed.Load()}
}

// Serve answers key exchanges on ln until ctx ends or ln fails; it closes
// ln when ctx ends.
func (s *KEServer) Serve(ctx context.Context, ln net.Listener) error {
	if s.TLS == nil || (len(s.TLS.Certificates) == 0 && s.TLS.GetCertificate == nil) {
		return errors.New("nts: KE server needs a TLS certificate")
	}
	if s.Keys == nil {
		return errors.New("nts: KE server needs server keys")
	}
	stop := context.AfterFunc(ctx, func() { _ = ln.Close() })
	defer stop()
	cfg := tlsConfig(s.TLS)
	var wg sync.WaitGroup
	defer wg.Wait()
	slots := make(chan struct{}, maxKEConnections)
	for {
		conn, err := ln.Accept()
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			return fmt.Errorf("nts: KE server: accept: %w", err)
		}
		slots <- struct{}{}
		wg.Go(func() {
			defer func() { <-slots }()
			if err := s.handle(ctx, conn, cfg); err != nil {
				s.failed.Add(1)
				if s.Logger != nil {
					s.Logger.Debug("NTS key exchange failed", "client", conn.RemoteAddr().String(), "err", err)
				}
				return
			}
			s.granted.Add(1)
		})
	}
}

// handle runs one key exchange.
func (s *KEServer) handle(ctx context.Context, raw net.Conn, cfg *tls.Config) error {
	defer raw.Close()
	timeout := s.Timeout
	if timeout <= 0 {
		timeout = DefaultKETimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	_ = raw.SetDeadline(time.Now().Add(timeout))
	conn := tls.Server(raw, cfg)
	if err := conn.HandshakeContext(ctx); err != nil {
		return fmt.Errorf("tls: %w", err)
	}
	if p := conn.ConnectionState().NegotiatedProtocol; p != ALPN {
		return fmt.Errorf("client did not negotiate %s (got %q)", ALPN, p)
	}
	records, err := readMessage(conn)
	if err != nil {
		_, _ = conn.Write(errorResponse(ErrorBadRequest))
		return err
	}
	if code, err := checkRequest(records); err != nil {
		_, _ = conn.Write(errorResponse(code))
		return err
	}
	keys, err := exportKeys(conn.ConnectionState())
	if err != nil {
		_, _ = conn.Write(errorResponse(ErrorInternal))
		return err
	}
	resp, err := s.response(keys)
	if err != nil {
		_, _ = conn.Write(errorResponse(ErrorInternal))
		return err
	}
	if _, err := conn.Write(resp); err != nil {
		return err
	}
	return conn.CloseWrite()
}

// checkRequest accepts a request that offers NTPv4 and AES-SIV-CMAC-256
// and has no critical record it does not know; otherwise it returns the
// error code to answer with.
func checkRequest(records []Record) (uint16, error) {
	var protocols, aeads []uint16
	for _, r := range records {
		switch r.Type {
		case RecordNextProtocol:
			v, err := parseUint16s(r)
			if err != nil {
				return ErrorBadRequest, err
			}
			protocols = append(protocols, v...)
		case RecordAEAD:
			v, err := parseUint16s(r)
			if err != nil {
				return ErrorBadRequest, err
			}
			aeads = append(aeads, v...)
		case RecordServer, RecordPort, RecordWarning:
		default:
			if r.Critical {
				return ErrorUnrecognizedCritical, fmt.Errorf("unrecognized critical record of type %d", r.Type)
			}
		}
	}
	switch {
	case !slices.Contains(protocols, protocolNTPv4):
		return ErrorBadRequest, fmt.Errorf("client offers next protocols %v, not NTPv4", protocols)
	case !slices.Contains(aeads, AEADAESSIVCMAC256):
		return ErrorBadRequest, fmt.Errorf("client offers AEAD algorithms %v, not AEAD_AES_SIV_CMAC_256", aeads)
	}
	return 0, nil
}

// response grants NTPv4 with AES-SIV-CMAC-256 and eight cookies.
func (s *KEServer) response(keys sessionKeys) ([]byte, error) {
	b := AppendRecord(nil, Record{Critical: true, Type: RecordNextProtocol, Body: uint16s(protocolNTPv4)})
	b = AppendRecord(b, Record{Critical: true, Type: RecordAEAD, Body: uint16s(AEADAESSIVCMAC256)})
	if s.NTPServer != "" {
		b = AppendRecord(b, Record{Critical: true, Type: RecordServer, Body: []byte(s.NTPServer)})
	}
	if s.NTPPort != 0 {
		b = AppendRecord(b, Record{Critical: true, Type: RecordPort, Body: uint16s(s.NTPPort)})
	}
	for range cookiesPerKE {
		cookie, err := s.Keys.seal(keys)
		if err != nil {
			return nil, err
		}
		b = AppendRecord(b, Record{Type: RecordNewCookie, Body: cookie})
	}
	return AppendRecord(b, Record{Critical: true, Type: RecordEndOfMessage}), nil
}

// errorResponse is a message with one Error record.
func errorResponse(code uint16) []byte {
	b := AppendRecord(nil, Record{Critical: true, Type: RecordError, Body: uint16s(code)})
	return AppendRecord(b, Record{Critical: true, Type: RecordEndOfMessage})
}
