// Package symkey authenticates NTP packets with symmetric keys: AES-CMAC
// as RFC 8573 specifies, with keys from a key file in chrony's format, so
// a closed fleet can share one file between clockwatch agents and
// chronyd.
//
// A MAC is the key ID (4 bytes) and the AES-CMAC of everything before it
// (16 bytes), appended to the packet. A crypto-NAK is a key ID of zero
// alone: the server does not know the key.
package symkey
