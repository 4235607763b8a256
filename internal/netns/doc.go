// Package netns runs code inside the Linux network namespaces that
// `ip netns add` makes, for labs and integration tests: a socket made in a
// namespace stays in it, whichever thread uses it later, so a process can
// listen and dial in several namespaces at once.
package netns
