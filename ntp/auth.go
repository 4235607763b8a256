package ntp

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"

	"github.com/clockwatch/clockwatch/estimator"
	"github.com/clockwatch/clockwatch/ntp/nts"
	"github.com/clockwatch/clockwatch/ntp/symkey"
)

// How a source's exchanges are authenticated, as /api/v1/status reports it
// (the source's "authentication").
const (
	AuthNone      = estimator.AuthNone
	AuthNTS       = estimator.AuthNTS
	AuthSymmetric = estimator.AuthSymmetric
)

// Results of an authenticated query that produced no sample. They label
// clockwatch_source_samples_total{result} like the others.
const (
	ResultBadMAC    estimator.Result = "bad_mac"       // a reply echoed our request but failed authentication: tampered, forged or keyed differently
	ResultNTSNAK    estimator.Result = "nts_nak"       // the NTS server refused our cookie (kiss code NTSN): the next poll re-keys
	ResultKEFailed  estimator.Result = "nts_ke_failed" // the NTS key exchange failed (TLS, certificate, refused)
	ResultCryptoNAK estimator.Result = "crypto_nak"    // the server does not know our symmetric key
)

// Authenticator authenticates the exchanges of one source: it secures each
// request and checks each reply before anything in it is believed.
type Authenticator interface {
	// Mode is AuthNTS or AuthSymmetric.
	Mode() string
	// Secure turns a 48-byte client header into the request to send.
	Secure(ctx context.Context, header []byte) (Secured, error)
	// Stats counts what authentication did so far.
	Stats() estimator.AuthCounters
}

// Secured is an authenticated request.
type Secured struct {
	// Packet is the request to send.
	Packet []byte
	// Host and Port, when Host is set, are where to send it instead of
	// the source's address: NTS names its NTP server in the key exchange.
	Host string
	Port uint16
	// Check authenticates a reply that echoes the request's origin; nil
	// means it is the server's, unaltered.
	Check func(reply []byte) error
}

// NTS authenticates a source with Network Time Security (RFC 8915).
type NTS struct{ client *nts.Client }

// NewNTS authenticates with the NTS association that client keeps.
func NewNTS(client *nts.Client) *NTS { return &NTS{client: client} }

// Mode is AuthNTS.
func (a *NTS) Mode() string { return AuthNTS }

// Secure runs a key exchange when there is no cookie left and returns the
// request with the NTS extension fields.
func (a *NTS) Secure(ctx context.Context, header []byte) (Secured, error) {
	req, err := a.client.NewRequest(ctx, header)
	if err != nil {
		return Secured{}, &RejectError{Result: ResultKEFailed, Err: err}
	}
	return Secured{Packet: req.Packet, Host: req.Host, Port: req.Port, Check: req.Check}, nil
}

// Stats reads the NTS client's counters.
func (a *NTS) Stats() estimator.AuthCounters {
	s := a.client.Stats()
	return estimator.AuthCounters{KeyExchanges: s.KeyExchanges, KEFailures: s.KEFailures, BadMACs: s.BadAuthentication,
		CookieRefreshes: s.CookiesReceived, NAKs: s.NAKs, Cookies: s.Cookies}
}

// SymmetricKey authenticates a source with a shared AES-CMAC key (RFC
// 8573).
type SymmetricKey struct {
	key           *symkey.Key
	badMACs, naks atomic.Uint64
}

// NewSymmetricKey authenticates with key.
func NewSymmetricKey(key *symkey.Key) *SymmetricKey { return &SymmetricKey{key: key} }

// Mode is AuthSymmetric.
func (a *SymmetricKey) Mode() string { return AuthSymmetric }

// Secure appends the MAC.
func (a *SymmetricKey) Secure(_ context.Context, header []byte) (Secured, error) {
	return Secured{Packet: a.key.AppendMAC(header), Check: a.check}, nil
}

// explainTimeout adds to a timeout what may be behind it: a server without
// the key (chronyd, unlike RFC 5905, answers it with nothing).
func (a *SymmetricKey) explainTimeout(err error) error {
	var r *RejectError
	if !errors.As(err, &r) || r.Result != ResultTimeout {
		return err
	}
	return &RejectError{Result: ResultTimeout, Err: fmt.Errorf("%w; or the server lacks key %d (chronyd does not answer a key it lacks: check its keyfile)", r.Err, a.key.ID)}
}

func (a *SymmetricKey) check(reply []byte) error {
	err := a.key.Check(reply)
	switch {
	case errors.Is(err, symkey.ErrCryptoNAK):
		a.naks.Add(1)
	case err != nil:
		a.badMACs.Add(1)
	}
	return err
}

// Stats counts bad MACs and crypto-NAKs.
func (a *SymmetricKey) Stats() estimator.AuthCounters {
	return estimator.AuthCounters{BadMACs: a.badMACs.Load(), NAKs: a.naks.Load()}
}

// authResult classifies a reply that failed authentication.
func authResult(err error) estimator.Result {
	switch {
	case errors.Is(err, nts.ErrNAK):
		return ResultNTSNAK
	case errors.Is(err, symkey.ErrCryptoNAK):
		return ResultCryptoNAK
	}
	return ResultBadMAC
}

// finalAuthError reports whether a failed check ends the wait for a reply:
// a NAK does (the server has spoken; the next poll re-keys), a bad MAC
// does not (the genuine reply may still come after a forgery).
func finalAuthError(err error) bool {
	return errors.Is(err, nts.ErrNAK) || errors.Is(err, symkey.ErrCryptoNAK)
}
