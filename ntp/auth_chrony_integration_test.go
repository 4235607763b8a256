package ntp

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/clockwatch/clockwatch/estimator"
	"github.com/clockwatch/clockwatch/internal/testlab"
	"github.com/clockwatch/clockwatch/ntp/nts"
	"github.com/clockwatch/clockwatch/ntp/symkey"
)

// TestNTSClientOfChronyd polls a real chronyd NTS server 24 times, three
// times the eight cookies of the key exchange: every poll authenticates and
// measures this host's clock (true offset 0) within its bound, each reply
// replaces the cookie spent, and one key exchange suffices. chronyd is
// then restarted, forgetting its server keys: the next poll is an NTS NAK,
// and the one after it re-keys and authenticates again.
func TestNTSClientOfChronyd(t *testing.T) {
	server := testlab.ChronydNTSServer(t)
	c, err := nts.NewClient(server.KE, &tls.Config{RootCAs: server.PKI.Roots}, nil)
	if err != nil {
		t.Fatal(err)
	}
	auth := NewNTS(c)
	src, err := NewSource(server.KE, estimator.KindNTP, PollConfig{}, &Client{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	src.Authenticate(auth)
	ctx := context.Background()
	const polls = 3 * 8
	for i, o := range src.Burst(ctx, polls, 20*time.Millisecond) {
		if o.Result != estimator.ResultOK {
			t.Fatalf("poll %d: %s: %v", i, o.Result, o.Err)
		}
		if o.Sample.Offset.Abs() > o.Sample.ErrorBound() {
			t.Errorf("poll %d: offset %v beyond its bound %v (truth 0)", i, o.Sample.Offset, o.Sample.ErrorBound())
		}
		if i == polls-1 {
			t.Logf("last poll: offset %v, delay %v, bound %v, timestamps %s", o.Sample.Offset, o.Sample.Delay, o.Sample.ErrorBound(), o.Sample.Timestamping)
		}
	}
	st := auth.Stats()
	t.Logf("after %d polls: %+v", polls, st)
	if st.KeyExchanges != 1 || st.CookieRefreshes != polls || st.Cookies != 8 || st.BadMACs != 0 {
		t.Errorf("stats %+v: want 1 key exchange, %d cookies refreshed, 8 held", st, polls)
	}

	server.Restart(t)
	obs := src.Burst(ctx, 2, 20*time.Millisecond)
	if len(obs) != 2 || obs[0].Result != ResultNTSNAK || obs[1].Result != estimator.ResultOK {
		for _, o := range obs {
			t.Logf("%s: %v", o.Result, o.Err)
		}
		t.Fatalf("after chronyd's restart: want nts_nak, then ok")
	}
	if st := auth.Stats(); st.KeyExchanges != 2 || st.NAKs != 1 {
		t.Errorf("stats %+v: want a second key exchange after one NAK", st)
	}
	t.Logf("after the restart: %v; then re-keyed: %+v", obs[0].Err, auth.Stats())
}

// servedLab is the agent's side for chronyd as a client: the responder on
// loopback, serving NTS with a KE server beside it and a symmetric key.
type servedLab struct {
	r      *Responder
	ke     *nts.KEServer
	ntp    netip.AddrPort
	keAddr string
	pki    *testlab.PKI
	keys   string // the key file
}

func startServedLab(t *testing.T) *servedLab {
	t.Helper()
	dir := t.TempDir()
	keys, err := nts.NewServerKeys(0)
	if err != nil {
		t.Fatal(err)
	}
	l := &servedLab{pki: testlab.NewPKI(t, dir, "127.0.0.1"), keys: filepath.Join(dir, "chrony.keys")}
	if err := os.WriteFile(l.keys, []byte(labKeys), 0o600); err != nil {
		t.Fatal(err)
	}
	sym, err := symkey.Load(l.keys)
	if err != nil {
		t.Fatal(err)
	}
	l.r = &Responder{Stratum: 1, NTS: keys, Keys: sym}
	l.ntp = startResponder(t, l.r)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	l.ke = &nts.KEServer{TLS: &tls.Config{Certificates: []tls.Certificate{l.pki.Certificate}}, Keys: keys, NTPPort: l.ntp.Port()}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- l.ke.Serve(ctx, ln) }()
	t.Cleanup(func() { cancel(); <-done })
	l.keAddr = ln.Addr().String()
	return l
}

// waitChronyd polls chronyc until ok accepts its ntpdata and authdata
// rows for the one source, or fails after 20 s.
func waitChronyd(t *testing.T, chronyd testlab.ChronydCommands, ok func(ntpdata, authdata []string) bool) (ntpdata, authdata []string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		nd, err1 := chronyd.Chronyc("ntpdata")
		ad, err2 := chronyd.Chronyc("authdata")
		if err1 == nil && err2 == nil && len(nd) == 1 && len(ad) == 1 && ok(nd[0], ad[0]) {
			return nd[0], ad[0]
		}
		if time.Now().After(deadline) {
			t.Fatalf("chronyd after 20 s: ntpdata %v (%v), authdata %v (%v)", nd, err1, ad, err2)
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// TestChronydNTSClientOfResponder makes a real chronyd an NTS client of
// the responder (`server 127.0.0.1 nts`, trusting the test's CA): chronyd's
// ntpdata must show the exchanges authenticated and its authdata an NTS
// association with cookies, and the responder must have answered them
// with NTS.
func TestChronydNTSClientOfResponder(t *testing.T) {
	l := startServedLab(t)
	_, kePort, _ := net.SplitHostPort(l.keAddr)
	chronyd := testlab.MeasuringChronydWith(t, fmt.Sprintf("ntstrustedcerts %s\nnosystemcert\n", l.pki.CAFile),
		fmt.Sprintf("127.0.0.1:%d nts ntsport %s", l.ntp.Port(), kePort))
	nd, ad := waitChronyd(t, chronyd, func(nd, ad []string) bool {
		return field(nd, ntpdataAuthenticated) == "Yes" && field(nd, ntpdataValidRX) != "0" && field(ad, authdataMode) == "NTS" && field(ad, authdataCookies) != "0"
	})
	t.Logf("chronyc -c ntpdata: %s", strings.Join(nd, ","))
	t.Logf("chronyc -c authdata: %s", strings.Join(ad, ","))
	t.Logf("chronyd's offset from the responder: %s s; responder %+v", field(nd, ntpdataOffset), l.r.Stats())
	if st := l.r.Stats(); st.Authenticated == 0 || st.BadAuthentication != 0 || l.ke.Stats().Granted == 0 {
		t.Errorf("responder %+v, KE server %+v", st, l.ke.Stats())
	}
}

// TestChronydSymmetricKeyClientOfResponder makes a real chronyd a client
// of the responder with symmetric key 7 (AES128) from a shared key file:
// chronyd's ntpdata shows the exchanges authenticated, authdata the key.
func TestChronydSymmetricKeyClientOfResponder(t *testing.T) {
	l := startServedLab(t)
	chronyd := testlab.MeasuringChronydWith(t, fmt.Sprintf("keyfile %s\n", l.keys), fmt.Sprintf("127.0.0.1:%d key 7", l.ntp.Port()))
	nd, ad := waitChronyd(t, chronyd, func(nd, ad []string) bool {
		return field(nd, ntpdataAuthenticated) == "Yes" && field(nd, ntpdataValidRX) != "0" && field(ad, authdataMode) == "SK"
	})
	t.Logf("chronyc -c ntpdata: %s", strings.Join(nd, ","))
	t.Logf("chronyc -c authdata: %s", strings.Join(ad, ","))
	if field(ad, authdataKeyID) != "7" || field(ad, authdataKeyBits) != "128" {
		t.Errorf("authdata %v: want key 7 of 128 bits", ad)
	}
	if st := l.r.Stats(); st.Authenticated == 0 || st.NAKs != 0 {
		t.Errorf("responder %+v", st)
	}
}

// TestSymmetricKeyClientOfChronyd polls a real chronyd that shares key 7:
// every reply is signed, checked and measures this host (true offset 0)
// within its bound. chronyd does not answer a key it lacks (it sends no
// crypto-NAK): that poll times out, and the error says the key may be why.
func TestSymmetricKeyClientOfChronyd(t *testing.T) {
	dir := t.TempDir()
	keyFile := filepath.Join(dir, "chrony.keys")
	if err := os.WriteFile(keyFile, []byte(labKeys), 0o600); err != nil {
		t.Fatal(err)
	}
	server := testlab.ChronydKeyedServer(t, keyFile)
	keys, _ := symkey.Load(keyFile)
	for _, id := range []uint32{7, 8} {
		key, _ := keys.Get(id)
		src, err := NewSource(server, estimator.KindNTP, PollConfig{}, &Client{}, nil)
		if err != nil {
			t.Fatal(err)
		}
		auth := NewSymmetricKey(key)
		src.Authenticate(auth)
		obs := waitReplies(t, src, 8)
		for i, o := range obs {
			if o.Sample.Offset.Abs() > o.Sample.ErrorBound() {
				t.Errorf("key %d poll %d: offset %v beyond its bound %v (truth 0)", id, i, o.Sample.Offset, o.Sample.ErrorBound())
			}
		}
		t.Logf("key %d (%s): offset %v, bound %v; %+v", id, key.Type, obs[7].Sample.Offset, obs[7].Sample.ErrorBound(), auth.Stats())
	}
	unknown, _ := symkey.NewKey(99, symkey.TypeAES128, make([]byte, 16))
	_, err := (&Client{}).QueryAuthenticated(context.Background(), netip.MustParseAddrPort(server), NewSymmetricKey(unknown))
	if ResultOf(err) != ResultTimeout || !strings.Contains(err.Error(), "key 99") {
		t.Errorf("key chronyd lacks: %v (%s), want a timeout naming the key", err, ResultOf(err))
	}
	t.Logf("key chronyd lacks: %v", err)
}

// waitReplies polls src until chronyd answers (it may still be starting),
// then n times; every one of the n must be a sample.
func waitReplies(t *testing.T, src *Source, n int) []estimator.Observation {
	t.Helper()
	ctx := context.Background()
	deadline := time.Now().Add(10 * time.Second)
	for o := src.Burst(ctx, 1, 0)[0]; o.Result != estimator.ResultOK; o = src.Burst(ctx, 1, 0)[0] {
		if time.Now().After(deadline) {
			t.Fatalf("no reply after 10 s: %s %v", o.Result, o.Err)
		}
	}
	obs := src.Burst(ctx, n, 20*time.Millisecond)
	for i, o := range obs {
		if o.Result != estimator.ResultOK {
			t.Fatalf("poll %d: %s: %v", i, o.Result, o.Err)
		}
	}
	return obs
}

// Fields of chronyc -c ntpdata and authdata (chrony 4.3).
const (
	ntpdataOffset        = 18
	ntpdataAuthenticated = 27 // "Yes" or "No"
	ntpdataValidRX       = 32
	authdataMode         = 1 // "NTS", "SK" or "-"
	authdataKeyID        = 2
	authdataKeyBits      = 4
	authdataCookies      = 8
)

// field returns row[i], or "" when the row is shorter.
func field(row []string, i int) string {
	if i < len(row) {
		return row[i]
	}
	return ""
}
