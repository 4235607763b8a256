package nts

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/subtle"
	"errors"
	"fmt"

	tinkprf "github.com/tink-crypto/tink-go/v2/prf/subtle"
)

// AEADAESSIVCMAC256 is the IANA number of AEAD_AES_SIV_CMAC_256 (RFC 5297),
// the AEAD algorithm every NTS implementation must support (RFC 8915
// section 5.1) and the only one clockwatch negotiates.
const AEADAESSIVCMAC256 = 15

// sivKeySize is the key length of AEAD_AES_SIV_CMAC_256: 16 bytes for
// CMAC, 16 for CTR.
const sivKeySize = 32

// maxSIVComponents is how many associated-data components S2V takes, the
// plaintext aside (RFC 5297 section 7: at most 126 with AES).
const maxSIVComponents = 126

// ErrAuthentication is the error of Open when the ciphertext, the
// associated data or the key is not what was sealed.
var ErrAuthentication = errors.New("nts: authentication failed (wrong key, or the packet was altered)")

// AESSIV is AES-SIV (RFC 5297) with a vector of associated-data
// components, as RFC 5297 section 3 defines it; NTS passes the packet
// before the authenticator and then the nonce (section 5.6 of RFC 8915).
// It is composed from Tink's AES-CMAC (the PRF of S2V) and the standard
// library's AES-CTR; it holds no cipher of its own. Safe for concurrent
// use.
type AESSIV struct {
	mac *tinkprf.AESCMACPRF
	ctr cipher.Block
}

// NewAESSIV returns the AEAD for key: 32 bytes for AEAD_AES_SIV_CMAC_256,
// or 48 or 64 for the 384- and 512-bit variants. The first half keys CMAC,
// the second CTR.
func NewAESSIV(key []byte) (*AESSIV, error) {
	switch len(key) {
	case 32, 48, 64:
	default:
		return nil, fmt.Errorf("nts: AES-SIV key of %d bytes, want 32, 48 or 64", len(key))
	}
	half := len(key) / 2
	mac, err := tinkprf.NewAESCMACPRF(key[:half])
	if err != nil {
		return nil, fmt.Errorf("nts: AES-SIV: %w", err)
	}
	ctr, err := aes.NewCipher(key[half:])
	if err != nil {
		return nil, fmt.Errorf("nts: AES-SIV: %w", err)
	}
	return &AESSIV{mac: mac, ctr: ctr}, nil
}

// Overhead is how many bytes Seal adds: the synthetic IV.
const Overhead = aes.BlockSize

// Seal appends to dst the synthetic IV and the encryption of plaintext,
// authenticated together with the associated-data components ad, in order.
// It panics only on a programming error: more than 126 components.
func (s *AESSIV) Seal(dst, plaintext []byte, ad ...[]byte) []byte {
	iv := s.s2v(ad, plaintext)
	out, ct := grow(dst, Overhead+len(plaintext))
	copy(ct, iv[:])
	s.crypt(iv, ct[Overhead:], plaintext)
	return out
}

// Open checks and decrypts ciphertext (synthetic IV first) against the
// associated-data components ad and appends the plaintext to dst. Any
// change to the ciphertext, the components or the key is
// ErrAuthentication.
func (s *AESSIV) Open(dst, ciphertext []byte, ad ...[]byte) ([]byte, error) {
	if len(ciphertext) < Overhead {
		return nil, ErrAuthentication
	}
	var iv [aes.BlockSize]byte
	copy(iv[:], ciphertext[:Overhead])
	out, pt := grow(dst, len(ciphertext)-Overhead)
	s.crypt(iv, pt, ciphertext[Overhead:])
	want := s.s2v(ad, pt)
	if subtle.ConstantTimeCompare(want[:], iv[:]) != 1 {
		clear(pt)
		return nil, ErrAuthentication
	}
	return out, nil
}

// s2v is the PRF of RFC 5297 section 2.4 over the components ad and then
// the plaintext.
func (s *AESSIV) s2v(ad [][]byte, plaintext []byte) [aes.BlockSize]byte {
	if len(ad) > maxSIVComponents {
		panic(fmt.Sprintf("nts: AES-SIV given %d associated-data components, at most %d", len(ad), maxSIVComponents))
	}
	var zero [aes.BlockSize]byte
	d := s.cmac(zero[:])
	for _, a := range ad {
		double(&d)
		subtle.XORBytes(d[:], d[:], s.cmacSlice(a))
	}
	var t []byte
	if len(plaintext) >= aes.BlockSize {
		// T = plaintext xorend D
		t = append([]byte(nil), plaintext...)
		tail := t[len(t)-aes.BlockSize:]
		subtle.XORBytes(tail, tail, d[:])
	} else {
		// T = dbl(D) xor pad(plaintext)
		double(&d)
		var padded [aes.BlockSize]byte
		copy(padded[:], plaintext)
		padded[len(plaintext)] = 0x80
		subtle.XORBytes(d[:], d[:], padded[:])
		t = d[:]
	}
	return s.cmac(t)
}

// cmac is AES-CMAC of data with the S2V key.
func (s *AESSIV) cmac(data []byte) [aes.BlockSize]byte {
	var out [aes.BlockSize]byte
	copy(out[:], s.cmacSlice(data))
	return out
}

func (s *AESSIV) cmacSlice(data []byte) []byte {
	// A full block is always a valid output length: no error is possible.
	out, err := s.mac.ComputePRF(data, aes.BlockSize)
	if err != nil {
		panic(err)
	}
	return out
}

// crypt is AES-CTR from the synthetic IV with bits 63 and 31 cleared
// (RFC 5297 section 2.5), writing the XOR of src into dst.
func (s *AESSIV) crypt(iv [aes.BlockSize]byte, dst, src []byte) {
	iv[8] &= 0x7f
	iv[12] &= 0x7f
	cipher.NewCTR(s.ctr, iv[:]).XORKeyStream(dst, src)
}

// double multiplies a block by x in GF(2^128) (RFC 5297's dbl).
func double(b *[aes.BlockSize]byte) {
	carry := b[0] >> 7
	for i := 0; i < aes.BlockSize-1; i++ {
		b[i] = b[i]<<1 | b[i+1]>>7
	}
	b[aes.BlockSize-1] = b[aes.BlockSize-1]<<1 ^ byte(subtle.ConstantTimeByteEq(carry, 1))*0x87
}

// grow extends dst by n bytes and returns the whole and the new part.
func grow(dst []byte, n int) (whole, tail []byte) {
	total := len(dst) + n
	if cap(dst) < total {
		grown := make([]byte, total)
		copy(grown, dst)
		return grown, grown[len(dst):]
	}
	whole = dst[:total]
	return whole, whole[len(dst):]
}
