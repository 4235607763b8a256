package ntp

import (
	"context"
	"crypto/tls"
	"encoding/binary"
	"errors"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/clockwatch/clockwatch/estimator"
	"github.com/clockwatch/clockwatch/internal/testlab"
	"github.com/clockwatch/clockwatch/ntp/nts"
	"github.com/clockwatch/clockwatch/ntp/symkey"
)

// authLab is a responder on loopback that serves plain NTP, NTS (with a
// KE server beside it) and a symmetric key.
type authLab struct {
	ntp   netip.AddrPort
	ke    string
	roots *tls.Config
	key   *symkey.Key
	r     *Responder
}

const labKeys = "7 AES128 HEX:7EA62AE64D190114D46D5A082F948EC1\n8 AES256 HEX:37DDCBC67BB902BCB8E995977FAB4D2B5642F5B32EBCEEE421921D97E5CBFE39\n"

func newAuthLab(t *testing.T) *authLab {
	t.Helper()
	keys, err := nts.NewServerKeys(0)
	if err != nil {
		t.Fatal(err)
	}
	sym, err := symkey.Parse(strings.NewReader(labKeys), "keys")
	if err != nil {
		t.Fatal(err)
	}
	r := &Responder{Stratum: 2, NTS: keys, Keys: sym}
	lab := &authLab{ntp: startResponder(t, r), r: r}
	lab.key, _ = sym.Get(7)
	pki := testlab.NewPKI(t, t.TempDir(), "127.0.0.1")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ke := &nts.KEServer{TLS: &tls.Config{Certificates: []tls.Certificate{pki.Certificate}}, Keys: keys, NTPPort: lab.ntp.Port()}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- ke.Serve(ctx, ln) }()
	t.Cleanup(func() { cancel(); <-done })
	lab.ke, lab.roots = ln.Addr().String(), &tls.Config{RootCAs: pki.Roots}
	return lab
}

// source returns a source of the lab's responder authenticated by mode,
// reached through relay when it is valid. An NTS source is named by its KE
// server; the relay then stands in for the NTP server the KE named.
func (l *authLab) source(t *testing.T, mode string, relay netip.AddrPort) *Source {
	t.Helper()
	client := &Client{Timeout: 300 * time.Millisecond}
	target := l.ntp
	if relay.IsValid() {
		target = relay
	}
	server := target.String()
	if mode == AuthNTS {
		server = l.ke
	}
	s, err := NewSource(server, estimator.KindNTP, PollConfig{}, client, nil)
	if err != nil {
		t.Fatal(err)
	}
	switch mode {
	case AuthNTS:
		c, err := nts.NewClient(l.ke, l.roots, nil)
		if err != nil {
			t.Fatal(err)
		}
		s.Authenticate(&relayedNTS{NTS: NewNTS(c), to: target})
	case AuthSymmetric:
		s.Authenticate(NewSymmetricKey(l.key))
	}
	return s
}

// relayedNTS sends NTS requests to a relay instead of the server the key
// exchange named, as an on-path attacker would receive them.
type relayedNTS struct {
	*NTS
	to netip.AddrPort
}

func (r *relayedNTS) Secure(ctx context.Context, header []byte) (Secured, error) {
	sec, err := r.NTS.Secure(ctx, header)
	sec.Host, sec.Port = r.to.Addr().String(), r.to.Port()
	return sec, err
}

// tamperingRelay forwards datagrams to server and adds shift to the
// receive and transmit timestamps of every reply, as an on-path attacker
// would to move a client's clock.
func tamperingRelay(t *testing.T, server netip.AddrPort, shift time.Duration) netip.AddrPort {
	t.Helper()
	front, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	back, err := net.DialUDP("udp4", nil, net.UDPAddrFromAddrPort(server))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { front.Close(); back.Close() })
	go func() {
		buf := make([]byte, maxPacket)
		for {
			n, client, err := front.ReadFromUDPAddrPort(buf)
			if err != nil {
				return
			}
			_, _ = back.Write(buf[:n])
			_ = back.SetReadDeadline(time.Now().Add(time.Second))
			if n, err = back.Read(buf); err != nil {
				continue
			}
			shiftTimestamp(buf[32:40], shift)
			shiftTimestamp(buf[40:48], shift)
			_, _ = front.WriteToUDPAddrPort(buf[:n], client)
		}
	}()
	return front.LocalAddr().(*net.UDPAddr).AddrPort()
}

// shiftTimestamp adds d to a 64-bit NTP timestamp.
func shiftTimestamp(b []byte, d time.Duration) {
	v := binary.BigEndian.Uint64(b)
	binary.BigEndian.PutUint64(b, v+uint64(d.Seconds()*(1<<32)))
}

// withinPath reports whether want lies in the region a sample proves: its
// offset ± half its round trip, plus the timestamps' resolution. The relay
// adds delay to one direction more than to the other when the machine is
// busy, which moves the offset anywhere inside that region, never outside.
func withinPath(s estimator.Sample, want time.Duration) bool {
	return (s.Offset - want).Abs() <= s.Delay/2+50*time.Microsecond
}

// TestAuthenticatedExchanges polls the responder plainly, with NTS and
// with a symmetric key, directly and through a relay that adds 5 ms to the
// server's timestamps. Directly, every mode measures this host's clock:
// the truth, 0, lies within each sample's path. Through the relay the plain
// source's offset moves by the 5 ms the attacker chose, while the
// authenticated ones refuse every tampered reply as bad_mac and give no
// sample at all.
func TestAuthenticatedExchanges(t *testing.T) {
	lab := newAuthLab(t)
	const shift = 5 * time.Millisecond
	relay := tamperingRelay(t, lab.ntp, shift)
	for _, mode := range []string{AuthNone, AuthNTS, AuthSymmetric} {
		t.Run(mode, func(t *testing.T) {
			ctx := context.Background()
			direct := lab.source(t, mode, netip.AddrPort{})
			for _, o := range direct.Burst(ctx, 3, 0) {
				if o.Result != estimator.ResultOK || !withinPath(o.Sample, 0) {
					t.Fatalf("direct poll: %s %v, offset %v, delay %v", o.Result, o.Err, o.Sample.Offset, o.Sample.Delay)
				}
			}
			tampered := lab.source(t, mode, relay)
			obs := tampered.Burst(ctx, 3, 0)
			for _, o := range obs {
				switch {
				case mode == AuthNone && (o.Result != estimator.ResultOK || !withinPath(o.Sample, -shift)):
					t.Fatalf("unauthenticated poll through the relay: %s %v, offset %v, delay %v; want the attacker's -5 ms within half the delay", o.Result, o.Err, o.Sample.Offset, o.Sample.Delay)
				case mode != AuthNone && (o.Result != ResultBadMAC || o.Sample != (estimator.Sample{})):
					t.Fatalf("authenticated poll through the relay: %s %v; want bad_mac and no sample", o.Result, o.Err)
				}
			}
			if mode != AuthNone {
				if st := tampered.AuthStats(); st.BadMACs < 3 {
					t.Errorf("auth stats %+v, want at least 3 bad MACs", st)
				}
				if info := tampered.Info(); info.Authentication != mode {
					t.Errorf("info %+v, want authentication %s", info, mode)
				}
				t.Logf("%s through the relay: %v", mode, obs[0].Err)
			}
		})
	}
	if st := lab.r.Stats(); st.Authenticated < 12 || st.BadAuthentication != 0 {
		t.Errorf("responder stats %+v", st)
	}
}

// TestAuthenticatedRefusals covers what an operator sees when keys do not
// match: a key the server lacks, another secret under the same ID, and an
// NTS server whose keys were replaced (a restart), which NAKs the cookie;
// the next poll re-keys and succeeds.
func TestAuthenticatedRefusals(t *testing.T) {
	lab := newAuthLab(t)
	ctx := context.Background()
	client := &Client{Timeout: 300 * time.Millisecond}
	for _, tt := range []struct {
		name, line string
	}{
		{"unknown key", "9 AES128 HEX:7EA62AE64D190114D46D5A082F948EC1"},
		{"other secret", "7 AES128 HEX:00000000000000000000000000000001"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ks, _ := symkey.Parse(strings.NewReader(tt.line), "keys")
			id, _ := strconv.Atoi(strings.Fields(tt.line)[0])
			key, _ := ks.Get(uint32(id))
			auth := NewSymmetricKey(key)
			_, err := client.QueryAuthenticated(ctx, lab.ntp, auth)
			if ResultOf(err) != ResultCryptoNAK || !errors.Is(err, symkey.ErrCryptoNAK) {
				t.Fatalf("err %v (%s), want crypto_nak", err, ResultOf(err))
			}
			if auth.Stats().NAKs != 1 {
				t.Errorf("stats %+v", auth.Stats())
			}
		})
	}
	t.Run("NTS NAK", func(t *testing.T) {
		c, _ := nts.NewClient(lab.ke, lab.roots, nil)
		auth := NewNTS(c)
		if _, err := client.QueryAuthenticated(ctx, lab.ntp, auth); err != nil {
			t.Fatal(err)
		}
		// A responder with other server keys: the one the KE named, after
		// a restart that the KE server did not see.
		restarted, _ := nts.NewServerKeys(0)
		other := startResponder(t, &Responder{NTS: restarted})
		_, err := client.QueryAuthenticated(ctx, lab.ntp, &relayedNTS{NTS: auth, to: other})
		if ResultOf(err) != ResultNTSNAK {
			t.Fatalf("err %v (%s), want nts_nak", err, ResultOf(err))
		}
		if _, err := client.QueryAuthenticated(ctx, lab.ntp, auth); err != nil {
			t.Fatalf("poll after the NAK: %v", err)
		}
		if st := auth.Stats(); st.KeyExchanges != 2 || st.NAKs != 1 {
			t.Errorf("stats %+v, want a second key exchange after the NAK", st)
		}
	})
	t.Run("KE refused", func(t *testing.T) {
		c, _ := nts.NewClient(lab.ke, &tls.Config{}, nil) // system roots: our CA is not there
		_, err := client.QueryAuthenticated(ctx, lab.ntp, NewNTS(c))
		if ResultOf(err) != ResultKEFailed || !strings.Contains(err.Error(), "--nts.ca-file") {
			t.Fatalf("err %v (%s), want nts_ke_failed naming --nts.ca-file", err, ResultOf(err))
		}
	})
}

// TestResponderAuthenticationNeverAmplifies sends the responder, on its
// kernel and its portable path, authentic and forged requests of each
// kind: every reply is at most as long as its request, and forged NTS
// fields get no reply at all.
func TestResponderAuthenticationNeverAmplifies(t *testing.T) {
	keys, _ := nts.NewServerKeys(0)
	sym, _ := symkey.Parse(strings.NewReader(labKeys), "keys")
	key, _ := sym.Get(7)
	unknown, _ := symkey.NewKey(99, symkey.TypeAES128, make([]byte, 16))
	header := clientPacket(4, modeClient, 48)
	garbledNTS := nts.AppendExtensionField(append([]byte(nil), header...), nts.FieldUniqueIdentifier, make([]byte, 32))
	garbledNTS = nts.AppendExtensionField(garbledNTS, nts.FieldCookie, make([]byte, 100))
	garbledNTS = nts.AppendExtensionField(garbledNTS, nts.FieldAuthenticator, make([]byte, 36))
	tests := []struct {
		name    string
		request []byte
		replied bool
	}{
		{"plain", header, true},
		{"symmetric key", key.AppendMAC(append([]byte(nil), header...)), true},
		{"unknown key", unknown.AppendMAC(append([]byte(nil), header...)), true},
		{"NTS with a forged cookie", garbledNTS, true},
		{"NTS fields cut short", garbledNTS[:len(garbledNTS)-8], false},
	}
	for _, user := range []bool{false, true} {
		r := &Responder{NTS: keys, Keys: sym, UserTimestamps: user}
		addr := startResponder(t, r)
		for _, tt := range tests {
			reply := exchangeFrom(t, netip.MustParseAddr("127.0.0.1"), addr, tt.request)
			if (reply != nil) != tt.replied || len(reply) > len(tt.request) {
				t.Errorf("user timestamps %v, %s: reply of %d bytes to %d, want replied=%v and no longer", user, tt.name, len(reply), len(tt.request), tt.replied)
			}
		}
		st := r.Stats()
		if st.Authenticated != 1 || st.NAKs != 2 || st.BadAuthentication != 1 || st.BytesOut > st.BytesIn {
			t.Errorf("user timestamps %v: stats %+v", user, st)
		}
	}
}
