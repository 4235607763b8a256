package netem

import (
	"encoding/binary"
	"sync/atomic"
	"time"
)

// NTPTamper is an on-path attacker of NTP: while on, it adds Shift to the
// receive and transmit timestamps of every NTP server reply (mode 4) it
// sees, which moves an unauthenticated client's clock by Shift. Use its
// Rewrite as a Path's. An authenticated reply it changes no longer
// authenticates.
type NTPTamper struct {
	// Shift is added to the server's timestamps.
	Shift time.Duration

	on       atomic.Bool
	tampered atomic.Uint64
}

// SetActive turns the tampering on or off; it starts off.
func (t *NTPTamper) SetActive(on bool) { t.on.Store(on) }

// Tampered counts the replies changed so far.
func (t *NTPTamper) Tampered() uint64 { return t.tampered.Load() }

// Rewrite shifts the timestamps of an NTP server reply while on.
func (t *NTPTamper) Rewrite(datagram []byte) {
	if !t.on.Load() || len(datagram) < 48 || datagram[0]&7 != 4 {
		return
	}
	shift := uint64(t.Shift.Seconds() * (1 << 32))
	for _, at := range []int{32, 40} { // receive, transmit
		binary.BigEndian.PutUint64(datagram[at:], binary.BigEndian.Uint64(datagram[at:])+shift)
	}
	t.tampered.Add(1)
}
