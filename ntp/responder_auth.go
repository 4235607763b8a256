package ntp

import (
	"errors"

	"github.com/clockwatch/clockwatch/ntp/nts"
	"github.com/clockwatch/clockwatch/ntp/symkey"
)

// maxPacket is the largest request read and reply sent.
const maxPacket = 1500

// How the responder answers a request, by its authentication.
type answerKind uint8

const (
	answerPlain     answerKind = iota // no authentication asked
	answerNTS                         // an authentic NTS request
	answerKey                         // signed with a symmetric key we have
	answerNTSNAK                      // NTS request with a cookie we cannot use: kiss code NTSN
	answerCryptoNAK                   // signed with a key we do not have, or whose MAC fails
	answerDrop                        // forged, garbled, or authentication not served here
)

// replyAuth is how one reply is authenticated, once its transmit
// timestamp is set (the MAC covers it).
type replyAuth struct {
	kind answerKind
	nts  nts.ServerRequest
	key  *symkey.Key
}

// authenticated reports whether the reply carries a MAC.
func (a replyAuth) authenticated() bool { return a.kind == answerNTS || a.kind == answerKey }

// authenticate decides how to answer req by the authentication it
// carries: a plain 48-byte request is answered plainly; a request with a
// symmetric-key MAC needs Keys, one with NTS fields needs NTS.
func (r *Responder) authenticate(req []byte) replyAuth {
	switch {
	case len(req) == requestSize:
		return replyAuth{kind: answerPlain}
	case symkey.HasMAC(req):
		return r.authenticateKey(req)
	case r.NTS == nil:
		// Extension fields we do not serve: answer the header alone, as
		// before; an NTS client refuses that reply.
		return replyAuth{kind: answerPlain}
	}
	sr, err := r.NTS.ParseRequest(req)
	switch {
	case err == nil:
		return replyAuth{kind: answerNTS, nts: sr}
	case errors.Is(err, nts.ErrNAK):
		return replyAuth{kind: answerNTSNAK, nts: sr}
	case errors.Is(err, nts.ErrNotNTS):
		return replyAuth{kind: answerPlain}
	}
	return replyAuth{kind: answerDrop}
}

// authenticateKey checks a request signed with a symmetric key.
func (r *Responder) authenticateKey(req []byte) replyAuth {
	if r.Keys == nil {
		return replyAuth{kind: answerCryptoNAK}
	}
	id, _, _, _ := symkey.SplitMAC(req)
	key, err := r.Keys.Get(id)
	if err != nil {
		return replyAuth{kind: answerCryptoNAK}
	}
	if key.Check(req) != nil {
		// Another secret under the same ID, or altered in transit: RFC
		// 5905 answers a crypto-NAK, which is shorter than the request.
		return replyAuth{kind: answerCryptoNAK}
	}
	return replyAuth{kind: answerKey, key: key}
}

// seal authenticates a reply whose header is complete, transmit timestamp
// included, and returns it with its NTS fields or MAC. A reply that cannot
// be sealed (no randomness) is not sent: ok false.
func (a replyAuth) seal(reply []byte) (_ []byte, ok bool) {
	switch a.kind {
	case answerNTS:
		out, err := a.nts.AppendResponse(reply)
		return out, err == nil
	case answerKey:
		return a.key.AppendMAC(reply), true
	case answerNTSNAK:
		reply[0] = 3<<6 | reply[0]&0x3f
		reply[1] = 0
		copy(reply[12:16], nts.KissNAK)
		return a.nts.AppendNAK(reply), true
	case answerCryptoNAK:
		return symkey.AppendCryptoNAK(reply), true
	}
	return reply, true
}
