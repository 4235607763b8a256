package nts

import (
	"bytes"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
)

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestAESSIVRFC5297 checks the AEAD against the test vectors of RFC 5297
// appendix A: A.1 with one associated-data component and no nonce, A.2
// with two components and a nonce as the last one, the shape NTS uses.
func TestAESSIVRFC5297(t *testing.T) {
	tests := []struct {
		name       string
		key        string
		ad         []string
		plaintext  string
		ciphertext string
	}{{
		name:       "A.1 deterministic",
		key:        "fffefdfc fbfaf9f8 f7f6f5f4 f3f2f1f0 f0f1f2f3 f4f5f6f7 f8f9fafb fcfdfeff",
		ad:         []string{"10111213 14151617 18191a1b 1c1d1e1f 20212223 24252627"},
		plaintext:  "11223344 55667788 99aabbcc ddee",
		ciphertext: "85632d07 c6e8f37f 950acd32 0a2ecc93 40c02b96 90c4dc04 daef7f6a fe5c",
	}, {
		name: "A.2 nonce-based",
		key:  "7f7e7d7c 7b7a7978 77767574 73727170 40414243 44454647 48494a4b 4c4d4e4f",
		ad: []string{
			"00112233 44556677 8899aabb ccddeeff deaddada deaddada ffeeddcc bbaa9988 77665544 33221100",
			"10203040 50607080 90a0",
			"09f91102 9d74e35b d84156c5 635688c0", // the nonce
		},
		plaintext: "74686973 20697320 736f6d65 20706c61 696e7465 78742074 6f20656e 63727970 74207573 696e6720 5349562d 414553",
		ciphertext: "7bdb6e3b 432667eb 06f4d14b ff2fbd0f cb900f2f ddbe4043 26601965 c889bf17" +
			"dba77ceb 094fa663 b7a3f748 ba8af829 ea64ad54 4a272e9c 485b62a3 fd5c0d",
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			aead, err := NewAESSIV(unhex(t, tt.key))
			if err != nil {
				t.Fatal(err)
			}
			var ad [][]byte
			for _, a := range tt.ad {
				ad = append(ad, unhex(t, a))
			}
			pt, want := unhex(t, tt.plaintext), unhex(t, tt.ciphertext)
			prefix := []byte("prefix")
			got := aead.Seal(append([]byte(nil), prefix...), pt, ad...)
			if !bytes.Equal(got[len(prefix):], want) || !bytes.Equal(got[:len(prefix)], prefix) {
				t.Fatalf("Seal = %x, want %x", got[len(prefix):], want)
			}
			opened, err := aead.Open(nil, want, ad...)
			if err != nil || !bytes.Equal(opened, pt) {
				t.Fatalf("Open = %x, %v; want %x", opened, err, pt)
			}
		})
	}
}

// TestAESSIVRejectsTampering flips every bit of the ciphertext, of each
// component and of the key in turn: each change must fail to open.
func TestAESSIVRejectsTampering(t *testing.T) {
	key := unhex(t, "7f7e7d7c 7b7a7978 77767574 73727170 40414243 44454647 48494a4b 4c4d4e4f")
	aead, _ := NewAESSIV(key)
	header, nonce := bytes.Repeat([]byte{0x23}, 48), bytes.Repeat([]byte{7}, 16)
	ct := aead.Seal(nil, []byte("cookies"), header, nonce)
	flip := func(b []byte, bit int) []byte {
		c := append([]byte(nil), b...)
		c[bit/8] ^= 1 << (bit % 8)
		return c
	}
	for bit := range len(ct) * 8 {
		if _, err := aead.Open(nil, flip(ct, bit), header, nonce); !errors.Is(err, ErrAuthentication) {
			t.Fatalf("ciphertext bit %d flipped: err %v", bit, err)
		}
	}
	for bit := range len(header) * 8 {
		if _, err := aead.Open(nil, ct, flip(header, bit), nonce); !errors.Is(err, ErrAuthentication) {
			t.Fatalf("associated data bit %d flipped: err %v", bit, err)
		}
	}
	for bit := range len(nonce) * 8 {
		if _, err := aead.Open(nil, ct, header, flip(nonce, bit)); !errors.Is(err, ErrAuthentication) {
			t.Fatalf("nonce bit %d flipped: err %v", bit, err)
		}
	}
	for bit := range len(key) * 8 {
		other, _ := NewAESSIV(flip(key, bit))
		if _, err := other.Open(nil, ct, header, nonce); !errors.Is(err, ErrAuthentication) {
			t.Fatalf("key bit %d flipped: err %v", bit, err)
		}
	}
	if _, err := aead.Open(nil, ct, nonce, header); !errors.Is(err, ErrAuthentication) {
		t.Fatalf("components swapped: err %v", err)
	}
	if _, err := aead.Open(nil, ct[:Overhead-1], header, nonce); !errors.Is(err, ErrAuthentication) {
		t.Fatalf("short ciphertext: err %v", err)
	}
}

func TestNewAESSIVKeySizes(t *testing.T) {
	for _, n := range []int{0, 16, 31, 33, 96} {
		if _, err := NewAESSIV(make([]byte, n)); err == nil {
			t.Errorf("key of %d bytes accepted", n)
		}
	}
}

func BenchmarkAESSIVSealNTSResponse(b *testing.B) {
	aead, _ := NewAESSIV(make([]byte, 32))
	header, nonce, cookies := make([]byte, 84), make([]byte, 16), make([]byte, 104)
	b.SetBytes(int64(len(header) + len(cookies)))
	for b.Loop() {
		aead.Seal(nil, cookies, header, nonce)
	}
}
