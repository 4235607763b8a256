package nts

import (
	"bytes"
	"strings"
	"testing"
)

var (
	ntpv4   = Record{Critical: true, Type: RecordNextProtocol, Body: uint16s(protocolNTPv4)}
	sivCMAC = Record{Critical: true, Type: RecordAEAD, Body: uint16s(AEADAESSIVCMAC256)}
	cookie  = Record{Type: RecordNewCookie, Body: []byte("cookie")}
)

func TestParseResponse(t *testing.T) {
	tests := []struct {
		name    string
		records []Record
		want    string // error substring, or "" for success
		server  string
		port    uint16
	}{
		{"minimal", []Record{ntpv4, sivCMAC, cookie}, "", "ke.example.com", 123},
		{"server and port", []Record{ntpv4, sivCMAC, cookie, {Type: RecordServer, Body: []byte("198.18.0.2")}, {Type: RecordPort, Body: uint16s(9123)}}, "", "198.18.0.2", 9123},
		{"error record", []Record{{Critical: true, Type: RecordError, Body: uint16s(ErrorBadRequest)}}, "error [1]", "", 0},
		{"other protocol", []Record{{Critical: true, Type: RecordNextProtocol, Body: uint16s(7)}, sivCMAC, cookie}, "not NTPv4", "", 0},
		{"other AEAD", []Record{ntpv4, {Type: RecordAEAD, Body: uint16s(30)}, cookie}, "not AEAD_AES_SIV_CMAC_256", "", 0},
		{"no cookies", []Record{ntpv4, sivCMAC}, "no cookies", "", 0},
		{"huge cookie", []Record{ntpv4, sivCMAC, {Type: RecordNewCookie, Body: make([]byte, 2000)}}, "cookie of 2000 bytes", "", 0},
		{"unknown critical", []Record{ntpv4, sivCMAC, cookie, {Critical: true, Type: 99}}, "critical record of type 99", "", 0},
		{"unknown non-critical", []Record{ntpv4, sivCMAC, cookie, {Type: 99}}, "", "ke.example.com", 123},
		{"bad server name", []Record{ntpv4, sivCMAC, cookie, {Type: RecordServer, Body: []byte("a b")}}, "not a host name", "", 0},
		{"zero port", []Record{ntpv4, sivCMAC, cookie, {Type: RecordPort, Body: uint16s(0)}}, "not one port", "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := parseResponse(tt.records, "ke.example.com")
			if tt.want != "" {
				if err == nil || !strings.Contains(err.Error(), tt.want) {
					t.Fatalf("err %v, want %q", err, tt.want)
				}
				return
			}
			if err != nil || a.NTPServer != tt.server || a.NTPPort != tt.port || len(a.Cookies) != 1 {
				t.Fatalf("got %+v, %v", a, err)
			}
		})
	}
}

func TestCheckRequest(t *testing.T) {
	tests := []struct {
		name    string
		records []Record
		code    uint16
		ok      bool
	}{
		{"chrony's request", []Record{ntpv4, sivCMAC}, 0, true},
		{"several AEADs offered", []Record{ntpv4, {Type: RecordAEAD, Body: uint16s(30, AEADAESSIVCMAC256)}}, 0, true},
		{"no AEAD", []Record{ntpv4}, ErrorBadRequest, false},
		{"no protocol", []Record{sivCMAC}, ErrorBadRequest, false},
		{"unknown critical", []Record{ntpv4, sivCMAC, {Critical: true, Type: 1000}}, ErrorUnrecognizedCritical, false},
		{"odd list", []Record{ntpv4, {Type: RecordAEAD, Body: []byte{1}}}, ErrorBadRequest, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, err := checkRequest(tt.records)
			if (err == nil) != tt.ok || code != tt.code {
				t.Fatalf("code %d, err %v; want code %d, ok %v", code, err, tt.code, tt.ok)
			}
		})
	}
}

func TestParseRecordsRefusesBrokenMessages(t *testing.T) {
	good := clientRequest()
	for _, b := range [][]byte{
		good[:len(good)-1],                   // truncated
		good[:len(good)-4],                   // no End of Message
		append(bytes.Clone(good), 0),         // trailing byte
		{0x80, 0, 0, 2, 0, 0},                // End of Message with a body
		bytes.Repeat([]byte{0, 5, 0, 0}, 65), // too many records, no end
	} {
		if _, err := ParseRecords(b); err == nil {
			t.Errorf("%x parsed", b)
		}
	}
	if _, err := readMessage(bytes.NewReader(append(AppendRecord(nil, Record{Type: RecordNewCookie, Body: make([]byte, 65535)}), good...))); err == nil {
		t.Error("message over 16 KiB read")
	}
	if r, err := readMessage(bytes.NewReader(append(bytes.Clone(good), "next message"...))); err != nil || len(r) != 2 {
		t.Errorf("readMessage = %v, %v; want the two records before End of Message", r, err)
	}
}
