package nts

import "testing"

// FuzzParseRecords feeds arbitrary bytes to the NTS-KE message parser and
// to both sides' readings of a message: nothing may panic, and a message
// that parses must survive a round trip.
func FuzzParseRecords(f *testing.F) {
	f.Add(clientRequest())
	f.Add(errorResponse(ErrorBadRequest))
	f.Add(AppendRecord(AppendRecord(nil, Record{Type: RecordServer, Body: []byte("ntp.example.com")}), Record{Critical: true}))
	f.Add([]byte{0x80, 0, 0, 1, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		records, err := ParseRecords(b)
		if err != nil {
			return
		}
		_, _ = parseResponse(records, "ke.example.com")
		_, _ = checkRequest(records)
		var again []byte
		for _, r := range records {
			again = AppendRecord(again, r)
		}
		again = AppendRecord(again, Record{Critical: b[len(b)-4]&0x80 != 0})
		if string(again) != string(b) {
			t.Fatalf("round trip %x != %x", again, b)
		}
	})
}

// FuzzParseExtensionFields feeds arbitrary packets to the extension-field
// parser, to the server's reading of an NTS request and to the client's
// check of a reply: nothing may panic, fields stay inside the packet, and
// no forged packet authenticates.
func FuzzParseExtensionFields(f *testing.F) {
	keys, err := NewServerKeys(0)
	if err != nil {
		f.Fatal(err)
	}
	c := &Client{}
	secret := []byte("the client's s2c key, 32 bytes..")
	assoc := &Association{Cookies: [][]byte{make([]byte, cookieSize)}, keys: sessionKeys{c2s: secret, s2c: secret}}
	c.assoc = assoc
	s2c, _ := NewAESSIV(secret)
	req := &Request{client: c, assoc: assoc, uid: make([]byte, uniqueIDSize), s2c: s2c}
	// The seed is well formed but sealed with another key.
	other, _ := NewAESSIV(make([]byte, sivKeySize))
	seed := AppendExtensionField(header(), FieldUniqueIdentifier, make([]byte, uniqueIDSize))
	seed = AppendExtensionField(seed, FieldCookie, make([]byte, cookieSize))
	seed, _ = appendAuthenticator(seed, other, nil)
	f.Add(seed)
	f.Add(header())
	f.Add(append(header(), 0x04, 0x04, 0, 16, 0, 16, 0, 0))
	f.Fuzz(func(t *testing.T, packet []byte) {
		fields, err := ParseExtensionFields(packet)
		if err == nil {
			for _, fl := range fields {
				if fl.Offset < headerSize || fl.Offset+fieldHeaderSize+len(fl.Body) > len(packet) {
					t.Fatalf("field %+v outside the packet of %d bytes", fl, len(packet))
				}
			}
		}
		if sr, err := keys.ParseRequest(packet); err == nil {
			t.Fatalf("forged request authenticated: %+v", sr)
		}
		if len(packet) >= headerSize {
			if err := req.Check(packet); err == nil {
				t.Fatalf("forged reply authenticated: %x", packet)
			}
		}
		_, _ = parseFieldList(packet)
	})
}
