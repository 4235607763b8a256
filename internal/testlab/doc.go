// Package testlab starts the real programs that integration tests talk to
// (chronyd) and collects their output, and holds the small probes several
// packages' tests share (an HTTP fetch, a count of open descriptors).
// Tests skip, saying why, where a program is missing or needs root.
package testlab
