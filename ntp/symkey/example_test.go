package symkey_test

import (
	"fmt"
	"strings"

	"github.com/clockwatch/clockwatch/ntp/symkey"
)

// ExampleKeys signs a request with a key of a chrony key file and checks
// the signature, then a tampered copy.
func ExampleKeys() {
	keys, err := symkey.Parse(strings.NewReader("30 AES128 HEX:7EA62AE64D190114D46D5A082F948EC1\n"), "chrony.keys")
	if err != nil {
		panic(err)
	}
	key, err := keys.Get(30)
	if err != nil {
		panic(err)
	}
	request := make([]byte, 48)
	request[0] = 4<<3 | 3 // NTPv4, client mode
	signed := key.AppendMAC(request)
	fmt.Println(len(signed), key.Check(signed))
	signed[40] ^= 1
	fmt.Println(key.Check(signed))
	// Output:
	// 68 <nil>
	// bad MAC: digest does not match key 30 (altered in transit, or the keys differ)
}
