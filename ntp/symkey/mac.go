package symkey

import (
	"crypto/subtle"
	"encoding/binary"
	"errors"
	"fmt"

	tinkprf "github.com/tink-crypto/tink-go/v2/prf/subtle"
)

// MACSize is the length of an AES-CMAC MAC field: key ID and digest.
const MACSize = 4 + digestSize

// cryptoNAKSize is a MAC field of a key ID 0 alone.
const cryptoNAKSize = 4

const digestSize = 16

// headerSize is the NTP header.
const headerSize = 48

// Errors of Check, wrapped with the details.
var (
	// ErrBadMAC is a packet whose MAC is missing, of another key, or
	// wrong: altered, forged, or keyed differently.
	ErrBadMAC = errors.New("bad MAC")
	// ErrCryptoNAK is a crypto-NAK: the server refuses our key, unknown
	// to it or with another secret.
	ErrCryptoNAK = errors.New("crypto-NAK: the server refuses the key (unknown to it, or another secret under that ID)")
)

// Key is one AES-CMAC key. Safe for concurrent use.
type Key struct {
	// ID is the key's number, carried in every MAC.
	ID uint32
	// Type is TypeAES128 or TypeAES256.
	Type string
	cmac *tinkprf.AESCMACPRF
}

// NewKey returns an AES-CMAC key of typ (TypeAES128 or TypeAES256) whose
// secret must be exactly 16 or 32 bytes, as chrony requires.
func NewKey(id uint32, typ string, secret []byte) (*Key, error) {
	want := map[string]int{TypeAES128: 16, TypeAES256: 32}[typ]
	if want == 0 {
		return nil, fmt.Errorf("symkey: key %d: type %q is not AES128 or AES256", id, typ)
	}
	if len(secret) != want {
		return nil, fmt.Errorf("symkey: key %d: an %s key is %d bytes (%d hex digits), not %d", id, typ, want, 2*want, len(secret))
	}
	cmac, err := tinkprf.NewAESCMACPRF(secret)
	if err != nil {
		return nil, fmt.Errorf("symkey: key %d: %w", id, err)
	}
	return &Key{ID: id, Type: typ, cmac: cmac}, nil
}

// AppendMAC appends the MAC of packet, everything in it, to packet.
func (k *Key) AppendMAC(packet []byte) []byte {
	digest := k.digest(packet)
	packet = binary.BigEndian.AppendUint32(packet, k.ID)
	return append(packet, digest...)
}

// Check verifies that packet ends with a MAC of k over the rest. A
// crypto-NAK is ErrCryptoNAK, anything else unauthentic wraps ErrBadMAC.
func (k *Key) Check(packet []byte) error {
	id, body, digest, err := SplitMAC(packet)
	switch {
	case err != nil:
		return err
	case id != k.ID:
		return fmt.Errorf("%w: key %d, want %d", ErrBadMAC, id, k.ID)
	case subtle.ConstantTimeCompare(digest, k.digest(body)) != 1:
		return fmt.Errorf("%w: digest does not match key %d (altered in transit, or the keys differ)", ErrBadMAC, k.ID)
	}
	return nil
}

func (k *Key) digest(data []byte) []byte {
	d, err := k.cmac.ComputePRF(data, digestSize)
	if err != nil {
		panic(err) // a full block is always a valid length
	}
	return d
}

// SplitMAC reads the MAC at the end of an NTP packet without extension
// fields: the key ID, the packet before the MAC and the digest. A packet
// with no MAC or a crypto-NAK is an error.
func SplitMAC(packet []byte) (id uint32, body, digest []byte, err error) {
	switch len(packet) - headerSize {
	case MACSize:
		body = packet[:headerSize]
		return binary.BigEndian.Uint32(packet[headerSize:]), body, packet[headerSize+4:], nil
	case cryptoNAKSize:
		if binary.BigEndian.Uint32(packet[headerSize:]) == 0 {
			return 0, nil, nil, ErrCryptoNAK
		}
	}
	return 0, nil, nil, fmt.Errorf("%w: packet of %d bytes has no AES-CMAC MAC (want %d)", ErrBadMAC, len(packet), headerSize+MACSize)
}

// HasMAC reports whether an NTP packet has the length of a header and an
// AES-CMAC MAC: a request to check with symmetric keys.
func HasMAC(packet []byte) bool { return len(packet) == headerSize+MACSize }

// AppendCryptoNAK appends a crypto-NAK (key ID 0, no digest) to a reply:
// the answer to a request signed with a key this server does not have.
func AppendCryptoNAK(packet []byte) []byte {
	return binary.BigEndian.AppendUint32(packet, 0)
}
