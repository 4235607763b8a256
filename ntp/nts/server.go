package nts

import (
	"errors"
	"fmt"
)

// KissNAK is the kiss code of an NTS NAK (RFC 8915 section 5.7).
const KissNAK = "NTSN"

// ErrNotNTS is a request without NTS extension fields: a plain NTP
// request, to be answered (or not) as such.
var ErrNotNTS = errors.New("nts: request carries no NTS extension fields")

// ServerRequest is an NTS request as a server checked it.
type ServerRequest struct {
	keys    *ServerKeys
	uid     []byte
	session sessionKeys
	// cookies is how many cookies the reply carries: one for the cookie
	// spent and one per placeholder.
	cookies int
}

// ParseRequest checks an NTS request, packet from its NTP header on. It
// returns:
//   - nil: the request is authentic; answer with AppendResponse.
//   - ErrNAK: well formed, but the cookie is not ours or the
//     authentication fails; answer with AppendNAK and kiss code NTSN.
//   - ErrNotNTS: no NTS fields at all: a plain request.
//   - any other error: malformed; answer nothing.
func (k *ServerKeys) ParseRequest(packet []byte) (ServerRequest, error) {
	fields, err := ParseExtensionFields(packet)
	if err != nil {
		return ServerRequest{}, err
	}
	req := ServerRequest{keys: k}
	var cookie []byte
	var cookieCount int
	auth := -1
	for i, f := range fields {
		switch f.Type {
		case FieldUniqueIdentifier:
			if req.uid != nil {
				return ServerRequest{}, errors.New("nts: request has two unique identifiers")
			}
			req.uid = f.Body
		case FieldCookie:
			cookie, cookieCount = f.Body, cookieCount+1
		case FieldAuthenticator:
			if i != len(fields)-1 {
				return ServerRequest{}, errors.New("nts: request has extension fields after its authenticator")
			}
			auth = i
		}
	}
	switch {
	case req.uid == nil && cookieCount == 0 && auth < 0:
		return ServerRequest{}, ErrNotNTS
	case len(req.uid) < uniqueIDSize:
		return ServerRequest{}, fmt.Errorf("nts: unique identifier of %d bytes, want at least %d", len(req.uid), uniqueIDSize)
	case cookieCount != 1 || auth < 0:
		return ServerRequest{}, fmt.Errorf("nts: request has %d cookies and %d authenticators, want one of each", cookieCount, min(auth+1, 1))
	}
	if req.session, err = k.open(cookie); err != nil {
		return req, fmt.Errorf("%w: %v", ErrNAK, err)
	}
	c2s, err := NewAESSIV(req.session.c2s)
	if err != nil {
		return req, err
	}
	if _, err := openAuthenticator(packet, fields[auth], c2s); err != nil {
		return req, fmt.Errorf("%w: %v", ErrNAK, err)
	}
	req.cookies = 1
	for _, f := range fields {
		// A placeholder counts only if a cookie fits in it: the reply must
		// not be longer than the request.
		if f.Type == FieldCookiePlaceholder && len(f.Body) >= cookieSize && req.cookies < maxCookies {
			req.cookies++
		}
	}
	return req, nil
}

// AppendResponse appends to reply, a complete 48-byte NTP header (its
// transmit timestamp set: it is authenticated too), the unique identifier
// and an authenticator that carries fresh cookies, encrypted.
func (r ServerRequest) AppendResponse(reply []byte) ([]byte, error) {
	s2c, err := NewAESSIV(r.session.s2c)
	if err != nil {
		return nil, err
	}
	var plaintext []byte
	for range r.cookies {
		cookie, err := r.keys.seal(r.session)
		if err != nil {
			return nil, err
		}
		plaintext = AppendExtensionField(plaintext, FieldCookie, cookie)
	}
	reply = AppendExtensionField(reply, FieldUniqueIdentifier, r.uid)
	return appendAuthenticator(reply, s2c, plaintext)
}

// AppendNAK appends the unique identifier to reply, a kiss-o'-death NTSN
// header, so that the client can tell the NAK is the answer to its
// request.
func (r ServerRequest) AppendNAK(reply []byte) []byte {
	return AppendExtensionField(reply, FieldUniqueIdentifier, r.uid)
}
