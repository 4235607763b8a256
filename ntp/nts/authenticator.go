package nts

import (
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
)

// nonceSize is the nonce of every authenticator clockwatch writes: a full
// AES block, as AES-SIV wants and chrony writes.
const nonceSize = 16

// ErrNoAuthenticator is a packet without an NTS authenticator field.
var ErrNoAuthenticator = errors.New("nts: packet has no NTS authenticator")

// appendAuthenticator seals plaintext (encrypted extension fields, maybe
// none) with aead under a fresh nonce, authenticating packet, and appends
// the authenticator field to packet.
func appendAuthenticator(packet []byte, aead *AESSIV, plaintext []byte) ([]byte, error) {
	var nonce [nonceSize]byte
	if _, err := rand.Read(nonce[:]); err != nil {
		return nil, fmt.Errorf("nts: random nonce: %w", err)
	}
	ct := aead.Seal(nil, plaintext, packet, nonce[:])
	body := make([]byte, 0, 4+nonceSize+pad4(len(ct)))
	body = binary.BigEndian.AppendUint16(body, nonceSize)
	body = binary.BigEndian.AppendUint16(body, uint16(len(ct)))
	body = append(body, nonce[:]...)
	body = append(body, ct...)
	return AppendExtensionField(packet, FieldAuthenticator, body), nil
}

// openAuthenticator checks the authenticator field f of packet with aead
// and returns its plaintext: the associated data is everything before f.
func openAuthenticator(packet []byte, f ExtensionField, aead *AESSIV) ([]byte, error) {
	if len(f.Body) < 4 {
		return nil, fmt.Errorf("nts: authenticator of %d bytes is too short for its lengths", len(f.Body))
	}
	nonceLen, ctLen := int(binary.BigEndian.Uint16(f.Body)), int(binary.BigEndian.Uint16(f.Body[2:]))
	rest := f.Body[4:]
	if nonceLen < nonceSize || pad4(nonceLen)+pad4(ctLen) > len(rest) {
		return nil, fmt.Errorf("nts: authenticator with a nonce of %d and a ciphertext of %d bytes in %d", nonceLen, ctLen, len(rest))
	}
	nonce, ct := rest[:nonceLen], rest[pad4(nonceLen):pad4(nonceLen)+ctLen]
	return aead.Open(nil, ct, packet[:f.Offset], nonce)
}
