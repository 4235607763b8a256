package symkey

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/clockwatch/clockwatch/internal/filelimit"
)

// Types of key this package uses, as chrony's key file names them.
const (
	TypeAES128 = "AES128"
	TypeAES256 = "AES256"
)

// Keys are the keys of a key file, by ID.
type Keys struct {
	keys map[uint32]*Key
	// unsupported names the type of the keys of the file this package
	// cannot use (MD5, SHA1...), so that using one says why it fails.
	unsupported map[uint32]string
}

// MaxFileSize is the largest key file Load reads: thousands of keys.
const MaxFileSize = 1 << 20

// Load reads a key file in chrony's format: one key a line, `ID TYPE KEY`
// or `ID KEY` (type MD5), the key as text, `ASCII:text` or `HEX:digits`;
// `#`, `;`, `!` and `%` start comments. Keys of types other than AES128
// and AES256 (RFC 8573's AES-CMAC) are kept aside: using one is an error
// that says so.
//
// A file larger than MaxFileSize is refused unread.
func Load(path string) (*Keys, error) {
	data, err := filelimit.Read(path, MaxFileSize)
	if errors.Is(err, filelimit.ErrTooLarge) {
		return nil, fmt.Errorf("symkey: %w, more than a key file can be; is it the right file?", err)
	}
	if err != nil {
		return nil, fmt.Errorf("symkey: %w", err)
	}
	return Parse(bytes.NewReader(data), path)
}

// Parse reads a key file from r; name labels its errors.
func Parse(r io.Reader, name string) (*Keys, error) {
	ks := &Keys{keys: map[uint32]*Key{}, unsupported: map[uint32]string{}}
	sc := bufio.NewScanner(r)
	for line := 1; sc.Scan(); line++ {
		fields := strings.Fields(sc.Text())
		if len(fields) == 0 || strings.ContainsAny(fields[0][:1], "#;!%") {
			continue
		}
		if err := ks.add(fields); err != nil {
			return nil, fmt.Errorf("symkey: %s line %d: %w", name, line, err)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("symkey: %s: %w", name, err)
	}
	return ks, nil
}

// add reads one key line.
func (ks *Keys) add(fields []string) error {
	if len(fields) < 2 || len(fields) > 3 {
		return fmt.Errorf("want `ID TYPE KEY` or `ID KEY`, got %d fields", len(fields))
	}
	id, err := strconv.ParseUint(fields[0], 10, 32)
	if err != nil || id == 0 {
		return fmt.Errorf("key ID %q is not a number from 1 to 4294967295", fields[0])
	}
	if ks.keys[uint32(id)] != nil || ks.unsupported[uint32(id)] != "" {
		return fmt.Errorf("key %d is defined twice", id)
	}
	typ, text := "MD5", fields[len(fields)-1]
	if len(fields) == 3 {
		typ = strings.ToUpper(fields[1])
	}
	secret, err := decodeKey(text)
	if err != nil {
		return fmt.Errorf("key %d: %w", id, err)
	}
	if typ != TypeAES128 && typ != TypeAES256 {
		ks.unsupported[uint32(id)] = typ
		return nil
	}
	k, err := NewKey(uint32(id), typ, secret)
	if err != nil {
		return err
	}
	ks.keys[uint32(id)] = k
	return nil
}

// decodeKey reads a key written as text, ASCII:text or HEX:digits.
func decodeKey(text string) ([]byte, error) {
	switch {
	case strings.HasPrefix(text, "HEX:"):
		b, err := hex.DecodeString(text[4:])
		if err != nil || len(b) == 0 {
			return nil, fmt.Errorf("HEX: key is not hexadecimal digits")
		}
		return b, nil
	case strings.HasPrefix(text, "ASCII:"):
		text = text[6:]
	}
	if text == "" {
		return nil, fmt.Errorf("empty key")
	}
	return []byte(text), nil
}

// Get returns the key with id, or an error that says why there is none
// to use.
func (ks *Keys) Get(id uint32) (*Key, error) {
	if k := ks.keys[id]; k != nil {
		return k, nil
	}
	if typ := ks.unsupported[id]; typ != "" {
		return nil, fmt.Errorf("symkey: key %d is %s; clockwatch authenticates with AES128 or AES256 keys (AES-CMAC, RFC 8573): make one with `chronyc keygen %d AES128`", id, typ, id)
	}
	return nil, fmt.Errorf("symkey: no key %d in the key file", id)
}

// Len is how many usable keys there are.
func (ks *Keys) Len() int { return len(ks.keys) }
