package logicaltime

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestCarriersShareOneCodec(t *testing.T) {
	carriers := []struct {
		name string
		c    Carrier
	}{
		{"http.Header", http.Header{}},
		{"MapCarrier", MapCarrier{}},
	}
	for _, sender := range carriers {
		for _, receiver := range carriers {
			t.Run(sender.name+" to "+receiver.name, func(t *testing.T) {
				from, to := NewHLC(), NewHLC()
				sent := Inject(from, sender.c)
				receiver.c.Set(Header, sender.c.Get(Header)) // a hop that copies the key's value
				got, err := Extract(receiver.c)
				if err != nil || got != sent {
					t.Fatalf("Extract() = %v, %v; want %v", got, err, sent)
				}
				received, err := Receive(to, receiver.c)
				if err != nil || !sent.Before(received) {
					t.Errorf("Receive() = %v, %v; want after %v", received, err, sent)
				}
			})
		}
	}
}

func TestReceive(t *testing.T) {
	local := NewManualClock(time.Unix(0, at(0, 0)))
	tests := []struct {
		name    string
		stamp   string
		wantErr error
		wantMsg string
	}{
		{name: "none", stamp: ""},
		{name: "within the max offset", stamp: TimestampAt(local.Now().Add(time.Millisecond)).String()},
		{name: "malformed", stamp: "yesterday", wantMsg: "Clockwatch-Hlc: logicaltime: timestamp \"yesterday\""},
		{name: "too far ahead", stamp: TimestampAt(local.Now().Add(time.Hour)).String(), wantErr: ErrRemoteAhead, wantMsg: "ahead of the local clock"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := NewHLC(WithPhysicalClock(local.Now))
			before := clock.Now()
			got, err := Receive(clock, MapCarrier{Header: tt.stamp})
			if (err != nil) != (tt.wantMsg != "") || tt.wantErr != nil && !errors.Is(err, tt.wantErr) || err != nil && !strings.Contains(err.Error(), tt.wantMsg) {
				t.Fatalf("Receive() = %v, %v; want an error %v mentioning %q", got, err, tt.wantErr, tt.wantMsg)
			}
			switch after := clock.Now(); {
			case err != nil && after != stamp(uint64(before.Uint64()>>LogicalBits), before.Logical()+1):
				t.Errorf("a refused stamp moved the clock from %v to %v", before, after)
			case tt.stamp == "" && !got.IsZero():
				t.Errorf("Receive() without a stamp = %v, want the zero Timestamp", got)
			}
		})
	}
}
