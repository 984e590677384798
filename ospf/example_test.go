package ospf_test

import (
	"fmt"
	"net/netip"
	"time"

	"github.com/switchless/routing/ospf"
	"github.com/switchless/routing/ospf/packet"
)

// An interface's AuthConfig signs a Hello with HMAC-SHA-256; the
// receiver keeps one ReplayState per neighbor, and in strict mode the
// same packet again is a replay (RFC 2328 D.5.3).
func ExampleAuthConfig_Verify() {
	out := packet.Packet{
		Header: packet.Header{Type: packet.TypeHello, RouterID: netip.MustParseAddr("192.0.2.1"), AreaID: netip.MustParseAddr("0.0.0.0")},
		Hello: packet.Hello{
			NetworkMask:        packet.Mask(24),
			HelloInterval:      10,
			Options:            packet.OptE,
			Priority:           1,
			RouterDeadInterval: 40,
			Neighbors:          []netip.Addr{netip.MustParseAddr("192.0.2.2")},
		},
	}
	auth := ospf.AuthConfig{Type: packet.AuthCrypto, Keys: []ospf.Key{
		{ID: 1, Algorithm: packet.AlgHMACSHA256, Secret: []byte("s3cret")},
	}}
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

	b, err := out.AppendBinary(nil)
	if err != nil {
		panic(err)
	}
	b, err = auth.Sign(b, 1, now)
	if err != nil {
		panic(err)
	}
	fmt.Printf("%d bytes on the wire, %d of them digest\n", len(b), packet.AlgHMACSHA256.Size())

	// Receiving side: one ReplayState per neighbor, one reused Packet.
	var replay ospf.ReplayState
	var in packet.Packet
	body, err := auth.Verify(b, &replay, now)
	if err != nil {
		panic(err)
	}
	if err := in.Decode(body); err != nil {
		panic(err)
	}
	fmt.Printf("%v from %v, key %d, sequence %d\n", in.Header.Type, in.Header.RouterID, in.Header.Crypto().KeyID, replay.Seq)

	// The same packet again is a replay in strict mode.
	auth.Replay = ospf.ReplayStrict
	_, err = auth.Verify(b, &replay, now)
	fmt.Println(err)
	// Output:
	// 80 bytes on the wire, 32 of them digest
	// Hello from 192.0.2.1, key 1, sequence 1
	// ospf: authentication failed: replayed cryptographic sequence number: sequence 1 after 1 (strict)
}
