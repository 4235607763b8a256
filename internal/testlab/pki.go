package testlab

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// PKI is a throw-away certificate authority and one server certificate it
// signed, written as PEM files, for TLS servers in tests (NTS-KE). Issue
// signs more, one for each server of a fleet.
type PKI struct {
	// CAFile is the CA's certificate; CertFile and KeyFile the server's
	// certificate and private key.
	CAFile, CertFile, KeyFile string
	// Roots trusts the CA alone; Certificate is the server's.
	Roots       *x509.CertPool
	Certificate tls.Certificate

	dir    string
	caKey  *ecdsa.PrivateKey
	caCert *x509.Certificate
}

// NewPKI makes a CA and a server certificate valid for names (DNS names
// or IP addresses) in dir.
func NewPKI(t testing.TB, dir string, names ...string) *PKI {
	t.Helper()
	p := &PKI{CAFile: filepath.Join(dir, "ca.pem"), Roots: x509.NewCertPool(), dir: dir}
	p.caKey, p.caCert = newCert(t, &x509.Certificate{
		Subject: pkix.Name{CommonName: "clockwatch test CA"}, IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}, nil, nil)
	p.Roots.AddCert(p.caCert)
	writePEM(t, p.CAFile, "CERTIFICATE", p.caCert.Raw)
	p.CertFile, p.KeyFile = p.Issue(t, "server", names...)
	var err error
	if p.Certificate, err = tls.LoadX509KeyPair(p.CertFile, p.KeyFile); err != nil {
		t.Fatal(err)
	}
	return p
}

// Issue makes another server certificate signed by the CA, valid for
// names (DNS names or IP addresses), and writes it and its private key
// beside the CA's as BASE.pem and BASE.key.
func (p *PKI) Issue(t testing.TB, base string, names ...string) (certFile, keyFile string) {
	t.Helper()
	leaf := &x509.Certificate{
		Subject:     pkix.Name{CommonName: names[0]},
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	for _, n := range names {
		if ip := net.ParseIP(n); ip != nil {
			leaf.IPAddresses = append(leaf.IPAddresses, ip)
		} else {
			leaf.DNSNames = append(leaf.DNSNames, n)
		}
	}
	key, cert := newCert(t, leaf, p.caCert, p.caKey)
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(p.dir, base+".pem"), filepath.Join(p.dir, base+".key")
	writePEM(t, certFile, "CERTIFICATE", cert.Raw)
	writePEM(t, keyFile, "PRIVATE KEY", keyDER)
	return certFile, keyFile
}

// newCert makes a key and a certificate from template, signed by parent
// (self-signed when nil), valid from an hour ago for a day.
func newCert(t testing.TB, template, parent *x509.Certificate, parentKey *ecdsa.PrivateKey) (*ecdsa.PrivateKey, *x509.Certificate) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	serial, err := rand.Int(rand.Reader, big.NewInt(1<<62))
	if err != nil {
		t.Fatal(err)
	}
	template.SerialNumber = serial
	template.NotBefore = time.Now().Add(-time.Hour)
	template.NotAfter = time.Now().Add(24 * time.Hour)
	if parent == nil {
		parent, parentKey = template, key
	}
	der, err := x509.CreateCertificate(rand.Reader, template, parent, &key.PublicKey, parentKey)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return key, cert
}

func writePEM(t testing.TB, path, typ string, der []byte) {
	t.Helper()
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
}
