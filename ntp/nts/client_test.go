package nts

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/clockwatch/clockwatch/internal/testlab"
)

// keLab is a KE server on loopback with its own CA.
type keLab struct {
	pki    *testlab.PKI
	keys   *ServerKeys
	server *KEServer
	addr   string
}

// newKELab starts a KE server whose certificate holds names (default
// localhost and 127.0.0.1) and that advertises ntpPort.
func newKELab(t *testing.T, ntpPort uint16, names ...string) *keLab {
	t.Helper()
	if len(names) == 0 {
		names = []string{"localhost", "127.0.0.1"}
	}
	pki := testlab.NewPKI(t, t.TempDir(), names...)
	keys, err := NewServerKeys(0)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &KEServer{TLS: &tls.Config{Certificates: []tls.Certificate{pki.Certificate}}, Keys: keys, NTPPort: ntpPort}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	return &keLab{pki: pki, keys: keys, server: srv, addr: ln.Addr().String()}
}

func (l *keLab) client(t *testing.T) *Client {
	t.Helper()
	c, err := NewClient(l.addr, &tls.Config{RootCAs: l.pki.Roots}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// header is a client-mode NTPv4 header with a recognizable transmit field.
func header() []byte {
	h := make([]byte, headerSize)
	h[0] = 4<<3 | 3
	copy(h[40:], "nonce!!!")
	return h
}

// serve answers req as the responder would: a server header, then the
// NTS response, or a NAK.
func serve(t *testing.T, keys *ServerKeys, req []byte) []byte {
	t.Helper()
	reply := make([]byte, headerSize)
	reply[0], reply[1] = 4<<3|4, 2
	copy(reply[24:32], req[40:48])
	copy(reply[40:48], "transmit")
	sr, err := keys.ParseRequest(req)
	if errors.Is(err, ErrNAK) {
		reply[1] = 0
		copy(reply[12:16], KissNAK)
		return sr.AppendNAK(reply)
	}
	if err != nil {
		t.Fatalf("ParseRequest: %v", err)
	}
	out, err := sr.AppendResponse(reply)
	if err != nil {
		t.Fatal(err)
	}
	if len(out) > len(req) {
		t.Fatalf("reply of %d bytes to a request of %d: the server amplifies", len(out), len(req))
	}
	return out
}

// TestClientServerRoundTrip runs one key exchange and then forty requests:
// each reply authenticates, replaces the cookie spent, and no second key
// exchange is needed.
func TestClientServerRoundTrip(t *testing.T) {
	lab := newKELab(t, 9123)
	c := lab.client(t)
	ctx := context.Background()
	for i := range 40 {
		req, err := c.NewRequest(ctx, header())
		if err != nil {
			t.Fatal(err)
		}
		if req.Host != "127.0.0.1" || req.Port != 9123 {
			t.Fatalf("request goes to %s:%d, want the KE host and the port it named", req.Host, req.Port)
		}
		if err := req.Check(serve(t, lab.keys, req.Packet)); err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
	}
	s := c.Stats()
	if s.KeyExchanges != 1 || s.CookiesReceived != 40 || s.Cookies != maxCookies || s.BadAuthentication != 0 {
		t.Fatalf("stats %+v, want 1 key exchange, 40 cookies received, 8 held", s)
	}
	// The server counts a key exchange once it has written its reply and
	// hung up, which may be after the client has read the reply.
	got := lab.server.Stats()
	for deadline := time.Now().Add(10 * time.Second); got.Granted == 0 && time.Now().Before(deadline); got = lab.server.Stats() {
		time.Sleep(time.Millisecond)
	}
	if got.Granted != 1 {
		t.Fatalf("server stats %+v, want one key exchange granted", got)
	}
}

// TestClientReKeysWhenCookiesRunOut loses every reply: after eight
// requests the cookies are spent and the ninth runs a new key exchange;
// each request asks for the cookies it lacks, so one reply refills them.
func TestClientReKeysWhenCookiesRunOut(t *testing.T) {
	lab := newKELab(t, 0)
	c := lab.client(t)
	ctx := context.Background()
	var last *Request
	for range maxCookies + 1 {
		var err error
		if last, err = c.NewRequest(ctx, header()); err != nil {
			t.Fatal(err)
		}
	}
	if s := c.Stats(); s.KeyExchanges != 2 || s.Cookies != maxCookies-1 {
		t.Fatalf("after 9 lost replies: %+v, want a second key exchange", s)
	}
	fields, _ := ParseExtensionFields(last.Packet)
	placeholders := 0
	for _, f := range fields {
		if f.Type == FieldCookiePlaceholder {
			placeholders++
		}
	}
	if placeholders != 0 {
		t.Fatalf("first request of a fresh association has %d placeholders, want 0", placeholders)
	}
	// Two lost replies later, a request spends one of five cookies and
	// asks for four: the one spent and three placeholders.
	c.NewRequest(ctx, header())
	c.NewRequest(ctx, header())
	req, _ := c.NewRequest(ctx, header())
	if err := req.Check(serve(t, lab.keys, req.Packet)); err != nil {
		t.Fatal(err)
	}
	if s := c.Stats(); s.Cookies != maxCookies || s.CookiesReceived != 4 {
		t.Fatalf("after one reply: %+v, want 8 cookies held, 4 received", s)
	}
}

// TestClientReKeysAfterNAK restarts the server's keys (as a restart does):
// the next reply is an NTS NAK, which drops the association, and the
// request after it runs a new key exchange and authenticates.
func TestClientReKeysAfterNAK(t *testing.T) {
	lab := newKELab(t, 0)
	c := lab.client(t)
	ctx := context.Background()
	req, _ := c.NewRequest(ctx, header())
	if err := req.Check(serve(t, lab.keys, req.Packet)); err != nil {
		t.Fatal(err)
	}
	restarted, _ := NewServerKeys(0)
	req, _ = c.NewRequest(ctx, header())
	if err := req.Check(serve(t, restarted, req.Packet)); !errors.Is(err, ErrNAK) {
		t.Fatalf("reply with an unknown cookie: %v, want ErrNAK", err)
	}
	// The KE server now seals with the restarted keys too.
	lab.keys.mu.Lock()
	lab.keys.keys = restarted.keys
	lab.keys.mu.Unlock()
	req, err := c.NewRequest(ctx, header())
	if err != nil {
		t.Fatal(err)
	}
	if err := req.Check(serve(t, lab.keys, req.Packet)); err != nil {
		t.Fatal(err)
	}
	if s := c.Stats(); s.KeyExchanges != 2 || s.NAKs != 1 {
		t.Fatalf("stats %+v, want 2 key exchanges and 1 NAK", s)
	}
}

// TestCheckRejectsTampering changes a reply the ways an on-path attacker
// could: every bit of it, a NAK forged without the unique identifier, and
// a reply to someone else's request.
func TestCheckRejectsTampering(t *testing.T) {
	lab := newKELab(t, 0)
	c := lab.client(t)
	ctx := context.Background()
	req, _ := c.NewRequest(ctx, header())
	reply := serve(t, lab.keys, req.Packet)
	for bit := range len(reply) * 8 {
		tampered := append([]byte(nil), reply...)
		tampered[bit/8] ^= 1 << (bit % 8)
		err := req.Check(tampered)
		if err == nil {
			t.Fatalf("bit %d flipped: reply accepted", bit)
		}
		if !errors.Is(err, ErrBadAuthentication) && !errors.Is(err, ErrNAK) {
			t.Fatalf("bit %d flipped: %v", bit, err)
		}
	}
	other, _ := c.NewRequest(ctx, header())
	if err := other.Check(reply); !errors.Is(err, ErrBadAuthentication) {
		t.Fatalf("reply to another request: %v", err)
	}
	nak := append([]byte(nil), reply[:headerSize]...)
	nak[1] = 0
	copy(nak[12:16], KissNAK)
	if err := other.Check(nak); !errors.Is(err, ErrBadAuthentication) {
		t.Fatalf("NAK without our unique identifier: %v, want ErrBadAuthentication", err)
	}
	if s := c.Stats(); s.BadAuthentication == 0 || s.NAKs != 0 {
		t.Fatalf("stats %+v", s)
	}
}

// TestKeyExchangeErrorsNameTheCause checks the failures an operator meets:
// an untrusted CA, a name the certificate lacks, nothing listening.
func TestKeyExchangeErrorsNameTheCause(t *testing.T) {
	lab := newKELab(t, 0)
	misnamed := newKELab(t, 0, "ntp.example.com")
	dead, _ := net.Listen("tcp", "127.0.0.1:0")
	deadAddr := dead.Addr().String()
	dead.Close()
	tests := []struct {
		name, server string
		roots        *x509.CertPool
		step, want   string
	}{
		{"untrusted CA", lab.addr, x509.NewCertPool(), "tls", "--nts.ca-file"},
		{"wrong name", misnamed.addr, misnamed.pki.Roots, "tls", `does not name "127.0.0.1": use a name it holds in --nts.server, or for peers that share a fleet certificate its name in --nts.peers-server-name`},
		{"nothing listening", deadAddr, lab.pki.Roots, "connect", "--responder.nts.certificate"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			_, err := KeyExchange(ctx, tt.server, &tls.Config{RootCAs: tt.roots}, nil)
			var ke *KEError
			if !errors.As(err, &ke) || ke.Step != tt.step || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err %v, want a %s KEError mentioning %q", err, tt.step, tt.want)
			}
			t.Log(err)
			if !strings.Contains(err.Error(), tt.server) {
				t.Errorf("err %q does not name the server", err)
			}
		})
	}
}
