package nts

import (
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"sync"
	"time"
)

// DefaultKeyRotation is how long a server key makes new cookies before
// the next one takes over. Cookies of the two keys before the current one
// are still accepted, so a cookie lives at least two rotations and at most
// three.
const DefaultKeyRotation = 24 * time.Hour

// keysKept is how many server keys open cookies: the current one and two
// before it.
const keysKept = 3

// cookieSize is the length of every cookie this server makes: key ID,
// nonce, synthetic IV and both session keys.
const cookieSize = 4 + nonceSize + Overhead + 2*sivKeySize

// errUnknownCookie is a cookie this server cannot open: made by another
// server, with a key rotated out, or forged.
var errUnknownCookie = errors.New("nts: cookie not made by a current server key")

// ServerKeys are the secret keys a server seals its cookies with (RFC 8915
// section 6): the cookie carries the client's session keys, encrypted, so
// the server keeps no state per client. Keys rotate every rotation period
// (NewServerKeys); they live only in memory, so a restart invalidates all cookies and clients
// re-key after one NTS NAK. Safe for concurrent use.
type ServerKeys struct {
	rotation time.Duration
	now      func() time.Time

	mu   sync.Mutex
	keys []serverKey // newest first
}

// serverKey is one cookie key.
type serverKey struct {
	id      uint32
	aead    *AESSIV
	created time.Time
}

// NewServerKeys returns fresh random cookie keys that rotate every
// rotation (DefaultKeyRotation if 0).
func NewServerKeys(rotation time.Duration) (*ServerKeys, error) {
	if rotation <= 0 {
		rotation = DefaultKeyRotation
	}
	k := &ServerKeys{rotation: rotation, now: time.Now}
	if err := k.rotate(k.now()); err != nil {
		return nil, err
	}
	return k, nil
}

// rotate makes a new current key, made at created.
func (k *ServerKeys) rotate(created time.Time) error {
	var secret [4 + sivKeySize]byte
	if _, err := rand.Read(secret[:]); err != nil {
		return fmt.Errorf("nts: new server key: %w", err)
	}
	aead, err := NewAESSIV(secret[4:])
	if err != nil {
		return err
	}
	key := serverKey{id: binary.BigEndian.Uint32(secret[:4]), aead: aead, created: created}
	k.keys = append([]serverKey{key}, k.keys[:min(len(k.keys), keysKept-1)]...)
	return nil
}

// advance makes the rotations due since the current key was made, one
// for each rotation period that has begun since (the last keysKept of
// them: older ones would be dropped at once). Each key counts as made at
// the start of its period, so a cookie is accepted for at most keysKept
// periods after its key began, however rarely the server is used: one
// idle for days drops the keys of its old cookies before it opens one.
// The caller holds k.mu.
func (k *ServerKeys) advance() error {
	start := k.keys[0].created
	periods := k.now().Sub(start) / k.rotation
	for i := max(periods-keysKept, 0) + 1; i <= periods; i++ {
		if err := k.rotate(start.Add(i * k.rotation)); err != nil {
			return err
		}
	}
	return nil
}

// current returns the key new cookies are sealed with, rotating first if
// it is due.
func (k *ServerKeys) current() (serverKey, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if err := k.advance(); err != nil {
		return serverKey{}, err
	}
	return k.keys[0], nil
}

// find returns the key with id among the keys kept, rotating first if it
// is due.
func (k *ServerKeys) find(id uint32) (serverKey, bool) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.advance() != nil {
		return serverKey{}, false
	}
	for _, key := range k.keys {
		if key.id == id {
			return key, true
		}
	}
	return serverKey{}, false
}

// seal makes a cookie that carries the session keys.
func (k *ServerKeys) seal(s sessionKeys) ([]byte, error) {
	key, err := k.current()
	if err != nil {
		return nil, err
	}
	cookie := make([]byte, 4+nonceSize, cookieSize)
	binary.BigEndian.PutUint32(cookie, key.id)
	if _, err := rand.Read(cookie[4:]); err != nil {
		return nil, fmt.Errorf("nts: cookie nonce: %w", err)
	}
	plaintext := append(append(make([]byte, 0, 2*sivKeySize), s.c2s...), s.s2c...)
	return key.aead.Seal(cookie, plaintext, cookie[:4], cookie[4:]), nil
}

// open recovers the session keys from a cookie this server made.
func (k *ServerKeys) open(cookie []byte) (sessionKeys, error) {
	if len(cookie) != cookieSize {
		return sessionKeys{}, errUnknownCookie
	}
	key, ok := k.find(binary.BigEndian.Uint32(cookie))
	if !ok {
		return sessionKeys{}, errUnknownCookie
	}
	plaintext, err := key.aead.Open(nil, cookie[4+nonceSize:], cookie[:4], cookie[4:4+nonceSize])
	if err != nil {
		return sessionKeys{}, errUnknownCookie
	}
	return sessionKeys{c2s: plaintext[:sivKeySize], s2c: plaintext[sivKeySize:]}, nil
}

// sessionKeys are the two keys of one NTS association, exported from its
// TLS session (RFC 8915 section 5.1).
type sessionKeys struct {
	c2s, s2c []byte
}
