// Package fallbackroots gives crypto/x509 Mozilla's root certificates
// (golang.org/x/crypto/x509roots/fallback's bundle) for where the system
// has none: the container image (FROM scratch) and minimal hosts. A host's
// own roots always take precedence.
//
// Unlike importing golang.org/x/crypto/x509roots/fallback, which does it
// at start, Install parses the bundle, and crypto/x509 loads the system's
// roots, only when a program is about to verify a certificate: an agent
// that never does (no NTS server, no HTTPS client) saves the memory of
// both, about 1 MiB.
package fallbackroots

import (
	"crypto/x509"
	"sync"

	"golang.org/x/crypto/x509roots/fallback/bundle"
)

// Install makes the bundle crypto/x509's fallback roots. Call it before
// verifying a certificate against the system's roots; it does its work
// once, however often it is called.
func Install() { install() }

var install = sync.OnceFunc(func() { x509.SetFallbackRoots(pool()) })

// pool parses the bundle. Its certificates are checked by the bundle's
// own tests, so one that does not parse is left out, not fatal.
func pool() *x509.CertPool {
	p := x509.NewCertPool()
	for c := range bundle.Roots() {
		cert, err := x509.ParseCertificate(c.Certificate)
		if err != nil {
			continue
		}
		if c.Constraint == nil {
			p.AddCert(cert)
		} else {
			p.AddCertWithConstraint(cert, c.Constraint)
		}
	}
	return p
}
