package agent

import (
	"context"
	"crypto/tls"
	"fmt"
	"log/slog"
	"net"

	"github.com/clockwatch/clockwatch/exporters"
	"github.com/clockwatch/clockwatch/ntp"
	"github.com/clockwatch/clockwatch/ntp/nts"
	"github.com/clockwatch/clockwatch/ntp/symkey"
	"github.com/prometheus/client_golang/prometheus"
)

// ResponderNTSConfig is the responder's NTS key exchange: peers and chronyd
// (`server HOST nts`) authenticate this agent's time with it.
type ResponderNTSConfig struct {
	// Certificate and Key are PEM files of the server certificate (chain)
	// and its private key; NTS is off while Certificate is empty.
	Certificate, Key string
	// Listen is the key exchange's TCP address, HOST:PORT or :PORT.
	Listen string
}

// startKeyExchange starts the NTS key exchange of a responder on udpPort,
// with fresh in-memory cookie keys the responder opens cookies with.
func startKeyExchange(ctx context.Context, c ResponderNTSConfig, udpPort uint16, logger *slog.Logger) (*nts.KEServer, error) {
	if c.Certificate == "" || c.Key == "" {
		return nil, fmt.Errorf("the responder's NTS needs both --responder.nts.certificate and --responder.nts.key")
	}
	certPEM, err := readPEMFile(c.Certificate)
	if err != nil {
		return nil, fmt.Errorf("--responder.nts.certificate: %w", err)
	}
	keyPEM, err := readPEMFile(c.Key)
	if err != nil {
		return nil, fmt.Errorf("--responder.nts.key: %w", err)
	}
	cert, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return nil, fmt.Errorf("--responder.nts.certificate/--responder.nts.key: %w", err)
	}
	keys, err := nts.NewServerKeys(0)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", c.Listen)
	if err != nil {
		return nil, fmt.Errorf("responder: NTS key exchange: listen on %s: %w (use --responder.nts.listen-address to pick another address)", c.Listen, err)
	}
	ke := &nts.KEServer{TLS: &tls.Config{Certificates: []tls.Certificate{cert}}, Keys: keys, NTPPort: udpPort, Logger: logger}
	go func() {
		if err := ke.Serve(ctx, ln); err != nil {
			logger.Error("NTS key exchange stopped; NTS clients can no longer key with this agent", "err", err)
		}
	}()
	logger.Info("serving NTS key exchange", "address", ln.Addr().String(), "ntp_port", udpPort)
	return ke, nil
}

// authenticateResponder lets the responder answer symmetric keys and, with
// a key exchange beside it, NTS, as configured, and returns the collector
// of what its authentication does.
func authenticateResponder(ctx context.Context, r *ntp.Responder, c ResponderNTSConfig, keys *symkey.Keys, udpPort uint16, logger *slog.Logger) (prometheus.Collector, error) {
	r.Keys = keys
	if keys != nil {
		logger.Info("responder answers requests signed with the key file's keys", "keys", keys.Len())
	}
	if c.Certificate == "" && c.Key == "" {
		return exporters.NewResponderAuthCollector(r.Stats, nil), nil
	}
	ke, err := startKeyExchange(ctx, c, udpPort, logger)
	if err != nil {
		return nil, err
	}
	r.NTS = ke.Keys
	return exporters.NewResponderAuthCollector(r.Stats, ke.Stats), nil
}
