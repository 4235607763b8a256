package ntp

import (
	"errors"
	"fmt"
)

// requestSize is the NTP header: a request shorter than this is not
// answered, and a reply is never longer, so the responder cannot amplify.
const requestSize = 48

// Why a request is not answered.
var (
	errShortRequest = errors.New("ntp: request shorter than the 48-byte NTP header")
	errNotClient    = errors.New("ntp: request is not in client mode (3)")
	errBadVersion   = errors.New("ntp: request has an NTP version outside 1..4")
)

// clientRequest is what the responder needs from a client-mode request.
type clientRequest struct {
	version uint8
	poll    uint8
	// transmit is the client's transmit timestamp field, echoed as the
	// reply's origin timestamp. Clients may fill it with a nonce.
	transmit [8]byte
}

// parseRequest reads a client-mode request. Extension fields and MACs
// after the header are ignored: the reply carries none.
func parseRequest(b []byte) (clientRequest, error) {
	if len(b) < requestSize {
		return clientRequest{}, fmt.Errorf("%w (got %d bytes)", errShortRequest, len(b))
	}
	version, mode := (b[0]>>3)&7, b[0]&7
	if mode != modeClient {
		return clientRequest{}, fmt.Errorf("%w (got mode %d)", errNotClient, mode)
	}
	if version < 1 || version > 4 {
		return clientRequest{}, fmt.Errorf("%w (got %d)", errBadVersion, version)
	}
	req := clientRequest{version: version, poll: b[2]}
	copy(req.transmit[:], b[40:48])
	return req, nil
}
