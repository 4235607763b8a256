package testlab

import (
	"fmt"
	"net"
	"testing"
	"time"
)

// ChronydNTS is a chronyd serving NTS on loopback from this machine's clock
// (local stratum 1: a client's true offset is 0), with a certificate for
// 127.0.0.1 signed by a CA the test made.
type ChronydNTS struct {
	// KE is its NTS key exchange, 127.0.0.1:PORT.
	KE string
	// PKI holds the CA to trust.
	PKI *PKI

	dir, conf string
	stop      func()
}

// ChronydNTSServer starts it and waits until its key exchange listens.
func ChronydNTSServer(t testing.TB) *ChronydNTS {
	t.Helper()
	dir := t.TempDir()
	pki := NewPKI(t, dir, "127.0.0.1")
	kePort := FreeTCPPort(t)
	s := &ChronydNTS{KE: fmt.Sprintf("127.0.0.1:%d", kePort), PKI: pki, dir: dir,
		conf: fmt.Sprintf("local stratum 1\nallow 127.0.0.1\nport %d\ncmdport 0\nbindaddress 127.0.0.1\n"+
			"ntsserverkey %s\nntsservercert %s\nntsport %d\n", FreeUDPPort(t), pki.KeyFile, pki.CertFile, kePort)}
	s.stop = StartChronyd(t, dir, s.conf)
	WaitListening(t, s.KE)
	return s
}

// Restart stops chronyd and starts it again on the same ports: it forgets
// its NTS server keys, so the cookies it gave are no longer good.
func (s *ChronydNTS) Restart(t testing.TB) {
	t.Helper()
	s.stop()
	s.stop = StartChronyd(t, s.dir, s.conf)
	WaitListening(t, s.KE)
}

// WaitListening waits until a TCP server accepts connections at addr, or
// fails the test after 10 s.
func WaitListening(t testing.TB, addr string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.Dial("tcp", addr)
		if err == nil {
			c.Close()
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("nothing listens at %s after 10 s: %v", addr, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
