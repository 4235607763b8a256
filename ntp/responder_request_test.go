package ntp

import (
	"bytes"
	"errors"
	"testing"
	"time"
)

// clientPacket is a request of version and mode with a recognizable
// transmit field, padded to size bytes.
func clientPacket(version, mode uint8, size int) []byte {
	b := make([]byte, size)
	if size > 0 {
		b[0] = version<<3 | mode
	}
	if size >= requestSize {
		copy(b[40:48], "NONCE-42")
	}
	return b
}

func TestParseRequest(t *testing.T) {
	tests := []struct {
		name    string
		packet  []byte
		wantErr error
	}{
		{"v4 client", clientPacket(4, modeClient, 48), nil},
		{"v3 client", clientPacket(3, modeClient, 48), nil},
		{"v1 client", clientPacket(1, modeClient, 48), nil},
		{"extension fields ignored", clientPacket(4, modeClient, 48+20), nil},
		{"empty", nil, errShortRequest},
		{"one byte short", clientPacket(4, modeClient, 47), errShortRequest},
		{"server mode", clientPacket(4, modeServer, 48), errNotClient},
		{"symmetric active", clientPacket(4, 1, 48), errNotClient},
		{"broadcast", clientPacket(4, 5, 48), errNotClient},
		{"control (mode 6, ntpq: amplification vector)", clientPacket(2, 6, 48), errNotClient},
		{"private (mode 7, monlist)", clientPacket(2, 7, 48), errNotClient},
		{"version 0", clientPacket(0, modeClient, 48), errBadVersion},
		{"version 5", clientPacket(5, modeClient, 48), errBadVersion},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req, err := parseRequest(tc.packet)
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("parseRequest: %v, want %v", err, tc.wantErr)
			}
			if err == nil && string(req.transmit[:]) != "NONCE-42" {
				t.Errorf("transmit field %q not kept", req.transmit)
			}
		})
	}
}

// FuzzParseRequest feeds the responder arbitrary packets: it must never
// panic, answer only client-mode requests, never answer with more bytes
// than it got, and always echo the client's transmit field.
func FuzzParseRequest(f *testing.F) {
	f.Add(clientPacket(4, modeClient, 48))
	f.Add(clientPacket(3, modeClient, 68))
	f.Add(clientPacket(2, 7, 48))
	f.Add(clientPacket(4, modeClient, 12))
	f.Add([]byte{})
	r := &Responder{Stratum: 3}
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, packet []byte) {
		req, err := parseRequest(packet)
		reply, ok := r.Reply(packet, now, now)
		if ok != (err == nil) {
			t.Fatalf("Reply answered %v but parseRequest said %v", ok, err)
		}
		if !ok {
			return
		}
		if len(reply) > len(packet) {
			t.Fatalf("reply of %d bytes to a request of %d", len(reply), len(packet))
		}
		if packet[0]&7 != modeClient || reply[0]&7 != modeServer || (reply[0]>>3)&7 != req.version {
			t.Fatalf("answered mode %d version %d with %#x", packet[0]&7, (packet[0]>>3)&7, reply[0])
		}
		if !bytes.Equal(reply[24:32], packet[40:48]) {
			t.Fatalf("origin %x does not echo the transmit field %x", reply[24:32], packet[40:48])
		}
	})
}
