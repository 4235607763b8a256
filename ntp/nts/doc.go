// Package nts is Network Time Security for NTPv4 (RFC 8915): the NTS key
// exchange over TLS 1.3, client and server, the NTS extension fields of
// NTP packets, server cookies, and the AEAD that authenticates them,
// AEAD_AES_SIV_CMAC_256 (RFC 5297).
//
// A client (Client) runs the key exchange with a server, keeps the eight
// cookies it grants, spends one per request and takes fresh ones from each
// authenticated reply; it runs a new key exchange when its cookies run out
// or the server answers with an NTS NAK. Request.Check authenticates each
// reply: one that fails is an error naming why, never a reply to use.
//
// A server (KEServer and ServerKeys.ParseRequest) grants associations and
// answers authenticated requests statelessly: the session keys travel in
// the cookies, sealed with server keys that rotate.
//
// The AEAD is composed from maintained primitives, Tink's AES-CMAC and the
// standard library's AES-CTR, and checked against RFC 5297's test vectors;
// the package holds no cipher of its own.
//
// The package works on packet bytes; it neither sends nor receives NTP.
// Package ntp does, with it.
package nts
