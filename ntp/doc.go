// Package ntp measures this host's clock against NTP servers and answers NTP
// requests.
//
// The client (Query) takes kernel software timestamps for transmit and
// receive on Linux and falls back to user-space timestamps elsewhere. Every
// reply is validated before use; a bad reply is rejected with a Result that
// says why (timeout, bad_origin, kod, ...), never used and never fatal.
//
// A Source polls one server on its own schedule: a start-up burst to
// converge fast, then a randomized interval so a fleet does not poll in
// lock-step, exponential back-off once the server has been unreachable
// for 8 polls or PollConfig.BackoffGrace (two minutes by default; the
// agent's is holdover.max), whichever is longer, and the
// kiss-o'-death rules of RFC 5905 (RATE: slow down; DENY, RSTR: stop).
//
// A Responder answers other agents' NTP client-mode requests from the
// clock it is given: it reads requests in batches with their kernel receive
// timestamps, stamps each reply's transmit time just before sending it,
// never answers with more bytes than it received, and rate-limits every
// source address with a token bucket (kiss-o'-death RATE past it), so it
// cannot be used for amplification or to starve the agent.
//
// Exchanges can be authenticated (Source.Authenticate): with Network Time
// Security (NTS, RFC 8915; package ntp/nts) or a symmetric AES-CMAC key
// (RFC 8573; package ntp/symkey). Every reply that echoes a request is then
// checked before anything in it is believed; one that fails is a bad_mac,
// nts_nak or crypto_nak result, counted, never a sample. The Responder
// serves both, with a KE server of package nts beside it for NTS.
//
// Peers are found by Discovery (static addresses, DNS A/AAAA, SRV) and
// measured a rotating random sample at a time (PeerSample).
//
// The chrony source reads a local chronyd's own estimate over its command
// socket and exports chronyd's view of its sources as metrics.
//
// Offsets follow the project's convention: local clock − reference.
package ntp
