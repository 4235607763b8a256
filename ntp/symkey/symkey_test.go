package symkey

import (
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// chronyExample is the key file of chrony.conf(5)'s keyfile section, with
// a comment and an upper-case-insensitive type.
const chronyExample = `# chrony's example
10 tulip
11 hyacinth
20 MD5 ASCII:crocus
25 SHA1 HEX:933F62BE1D604E68A81B557F18CFA200483F5B70
30 AES128 HEX:7EA62AE64D190114D46D5A082F948EC1
31 aes256 HEX:37DDCBC67BB902BCB8E995977FAB4D2B5642F5B32EBCEEE421921D97E5CBFE39
; another comment

32 AES128 ASCII:0123456789abcdef
`

func TestParseChronyKeyFile(t *testing.T) {
	ks, err := Parse(strings.NewReader(chronyExample), "keys")
	if err != nil {
		t.Fatal(err)
	}
	if ks.Len() != 3 {
		t.Fatalf("%d usable keys, want 3 (30, 31, 32)", ks.Len())
	}
	for id, typ := range map[uint32]string{30: TypeAES128, 31: TypeAES256, 32: TypeAES128} {
		if k, err := ks.Get(id); err != nil || k.Type != typ {
			t.Errorf("key %d: %v, %v; want %s", id, k, err, typ)
		}
	}
	if _, err := ks.Get(25); err == nil || !strings.Contains(err.Error(), "key 25 is SHA1") || !strings.Contains(err.Error(), "chronyc keygen 25 AES128") {
		t.Errorf("SHA1 key: %v", err)
	}
	if _, err := ks.Get(10); err == nil || !strings.Contains(err.Error(), "MD5") {
		t.Errorf("key without type: %v, want it read as MD5", err)
	}
	if _, err := ks.Get(99); err == nil || !strings.Contains(err.Error(), "no key 99") {
		t.Errorf("missing key: %v", err)
	}
}

func TestParseRefusesBrokenLines(t *testing.T) {
	tests := map[string]string{
		"1 AES128 HEX:00": "16 bytes",
		"1 AES256 HEX:7EA62AE64D190114D46D5A082F948EC1": "32 bytes",
		"0 AES128 HEX:7EA62AE64D190114D46D5A082F948EC1": "key ID",
		"x AES128 HEX:7EA62AE64D190114D46D5A082F948EC1": "key ID",
		"1 AES128 HEX:zz": "hexadecimal",
		"1":               "fields",
		"1 AES128 HEX:7EA62AE64D190114D46D5A082F948EC1 extra":     "fields",
		"1 AES128 HEX:7EA62AE64D190114D46D5A082F948EC1\n1 SHA1 x": "twice",
	}
	for line, want := range tests {
		_, err := Parse(strings.NewReader(line), "keys")
		if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "keys line") {
			t.Errorf("%q: err %v, want one naming the line and %q", line, err, want)
		}
	}
}

// TestCMACRFC4493 checks the MAC against RFC 4493's AES-CMAC vectors,
// through the packet API: the digest of a 48-byte "packet" whose bytes
// are RFC 4493's 40-byte message plus 8 more would not be a vector, so the
// digest function is checked directly.
func TestCMACRFC4493(t *testing.T) {
	key, _ := hex.DecodeString("2b7e151628aed2a6abf7158809cf4f3c")
	k, err := NewKey(1, TypeAES128, key)
	if err != nil {
		t.Fatal(err)
	}
	msg, _ := hex.DecodeString("6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e5130c81c46a35ce411")
	for _, tt := range []struct {
		n    int
		want string
	}{{0, "bb1d6929e95937287fa37d129b756746"}, {16, "070a16b46b4d4144f79bdd9dd04a287c"}, {40, "dfa66747de9ae63030ca32611497c827"}} {
		if got := hex.EncodeToString(k.digest(msg[:tt.n])); got != tt.want {
			t.Errorf("CMAC of %d bytes = %s, want %s", tt.n, got, tt.want)
		}
	}
}

func TestMACRoundTripAndTampering(t *testing.T) {
	ks, _ := Parse(strings.NewReader(chronyExample), "keys")
	k30, _ := ks.Get(30)
	k32, _ := ks.Get(32)
	packet := make([]byte, headerSize)
	copy(packet, "\x23 an NTP request ........................")
	signed := k30.AppendMAC(packet)
	if len(signed) != headerSize+MACSize {
		t.Fatalf("signed packet of %d bytes", len(signed))
	}
	if err := k30.Check(signed); err != nil {
		t.Fatal(err)
	}
	for bit := range len(signed) * 8 {
		tampered := append([]byte(nil), signed...)
		tampered[bit/8] ^= 1 << (bit % 8)
		if err := k30.Check(tampered); !errors.Is(err, ErrBadMAC) {
			t.Fatalf("bit %d flipped: %v", bit, err)
		}
	}
	if err := k32.Check(signed); !errors.Is(err, ErrBadMAC) || !strings.Contains(err.Error(), "key 30, want 32") {
		t.Errorf("other key: %v", err)
	}
	if err := k30.Check(packet); !errors.Is(err, ErrBadMAC) {
		t.Errorf("no MAC: %v", err)
	}
	if err := k30.Check(AppendCryptoNAK(packet)); !errors.Is(err, ErrCryptoNAK) {
		t.Errorf("crypto-NAK: %v", err)
	}
}

func FuzzParse(f *testing.F) {
	f.Add(chronyExample)
	f.Add("1 AES128 HEX:7EA62AE64D190114D46D5A082F948EC1")
	f.Fuzz(func(t *testing.T, file string) {
		ks, err := Parse(strings.NewReader(file), "fuzz")
		if err != nil {
			return
		}
		for id, k := range ks.keys {
			if k.ID != id || (k.Type != TypeAES128 && k.Type != TypeAES256) {
				t.Fatalf("key %d: %+v", id, k)
			}
		}
	})
}

func FuzzCheck(f *testing.F) {
	k, _ := NewKey(7, TypeAES128, []byte("0123456789abcdef"))
	other, _ := NewKey(7, TypeAES128, []byte("fedcba9876543210"))
	f.Add(other.AppendMAC(make([]byte, headerSize)))
	f.Add(AppendCryptoNAK(make([]byte, headerSize)))
	f.Fuzz(func(t *testing.T, packet []byte) {
		if err := k.Check(packet); err == nil {
			t.Fatalf("forged packet passed: %x", packet)
		}
	})
}

// TestLoadRefusesOversizedFiles: a key file past MaxFileSize, of any
// number of lines, is refused with an error naming it and the limit.
func TestLoadRefusesOversizedFiles(t *testing.T) {
	path := filepath.Join(t.TempDir(), "keys")
	text := "1 AES128 HEX:7EA62AE64D190114D46D5A082F948EC1\n" + strings.Repeat("# comment\n", MaxFileSize/10+1)
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Load(path)
	if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "larger than 1 MiB") {
		t.Errorf("oversized key file: %v, want an error naming it and its limit", err)
	}
}
