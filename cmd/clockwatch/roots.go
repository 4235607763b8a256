package main

// Mozilla's root certificates, which crypto/x509 uses only where the
// system has none: the container image (FROM scratch) and minimal hosts. So
// NTS key exchanges and `clockwatch status` against an HTTPS agent verify
// certificates everywhere; a host's own roots always take precedence.
import _ "golang.org/x/crypto/x509roots/fallback"
