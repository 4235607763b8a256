package nts_test

import (
	"context"
	"crypto/tls"
	"encoding/hex"
	"fmt"

	"github.com/clockwatch/clockwatch/ntp/nts"
)

// ExampleAESSIV seals RFC 5297's appendix A.1 plaintext.
func ExampleAESSIV() {
	key, _ := hex.DecodeString("fffefdfcfbfaf9f8f7f6f5f4f3f2f1f0f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff")
	ad, _ := hex.DecodeString("101112131415161718191a1b1c1d1e1f2021222324252627")
	plaintext, _ := hex.DecodeString("112233445566778899aabbccddee")
	aead, err := nts.NewAESSIV(key)
	if err != nil {
		panic(err)
	}
	sealed := aead.Seal(nil, plaintext, ad)
	fmt.Printf("%x\n", sealed)
	opened, err := aead.Open(nil, sealed, ad)
	fmt.Printf("%x %v\n", opened, err)
	// Output:
	// 85632d07c6e8f37f950acd320a2ecc9340c02b9690c4dc04daef7f6afe5c
	// 112233445566778899aabbccddee <nil>
}

// ExampleClient authenticates one NTP exchange with an NTS server.
func ExampleClient() {
	client, err := nts.NewClient("time.example.com", &tls.Config{}, nil)
	if err != nil {
		panic(err)
	}
	header := make([]byte, 48)
	header[0] = 4<<3 | 3 // NTPv4, client mode
	req, err := client.NewRequest(context.Background(), header)
	if err != nil {
		fmt.Println(err) // a *nts.KEError: which server, which step, why
		return
	}
	fmt.Printf("send %d bytes to %s port %d\n", len(req.Packet), req.Host, req.Port)
	var reply []byte // ... the server's answer
	if err := req.Check(reply); err != nil {
		fmt.Println(err) // nts.ErrBadAuthentication or nts.ErrNAK: never use the reply
	}
}
