package nts

import (
	"bytes"
	"errors"
	"fmt"
	"testing"
	"time"
)

// TestServerKeysRotate seals a cookie half an hour into its key's period
// (rotation every hour) and opens it later: it opens until three periods
// after its key began and never after, whether the server was busy
// (sealing and opening every 10 minutes) or idle until then; new cookies
// are sealed with a new key once a period has passed.
func TestServerKeysRotate(t *testing.T) {
	t0 := time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC)
	session := sessionKeys{c2s: bytes.Repeat([]byte{1}, sivKeySize), s2c: bytes.Repeat([]byte{2}, sivKeySize)}
	tests := []struct {
		after time.Duration // since the key began
		opens bool
	}{
		{30 * time.Minute, true},
		{90 * time.Minute, true},
		{2*time.Hour + 59*time.Minute, true},
		{3 * time.Hour, false},
		{10 * 24 * time.Hour, false},
	}
	for _, tt := range tests {
		for _, busy := range []bool{false, true} {
			t.Run(fmt.Sprintf("%v busy %v", tt.after, busy), func(t *testing.T) {
				now := t0
				k := &ServerKeys{rotation: time.Hour, now: func() time.Time { return now }}
				if err := k.rotate(t0); err != nil {
					t.Fatal(err)
				}
				now = t0.Add(30 * time.Minute)
				cookie := seal(t, k, session)
				for busy && now.Before(t0.Add(tt.after)) {
					seal(t, k, session)
					_, _ = k.open(cookie)
					now = now.Add(10 * time.Minute)
				}
				now = t0.Add(tt.after)
				got, err := k.open(cookie)
				if tt.opens != (err == nil) || (err == nil && !bytes.Equal(got.s2c, session.s2c)) {
					t.Errorf("open %v after its key began: %v; want opened %v", tt.after, err, tt.opens)
				}
				if err != nil && !errors.Is(err, errUnknownCookie) {
					t.Errorf("open: %v, want errUnknownCookie", err)
				}
				fresh := seal(t, k, session)
				if sameKey := bytes.Equal(fresh[:4], cookie[:4]); sameKey != (tt.after < time.Hour) {
					t.Errorf("a cookie sealed %v after the first key began has its key ID: %v", tt.after, sameKey)
				}
				if _, err := k.open(fresh); err != nil {
					t.Errorf("open a fresh cookie: %v", err)
				}
			})
		}
	}
}

func seal(t *testing.T, k *ServerKeys, s sessionKeys) []byte {
	t.Helper()
	cookie, err := k.seal(s)
	if err != nil {
		t.Fatal(err)
	}
	return cookie
}
