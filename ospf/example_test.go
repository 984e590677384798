package ospf_test

import (
	"fmt"
	"net/netip"
	"time"

	"github.com/switchless/routing/ospf"
)

// A Hello is built, encoded, signed with HMAC-SHA-256, then verified and
// decoded the way a receiver would.
func ExampleHello() {
	out := ospf.Packet{
		Header: ospf.Header{Type: ospf.TypeHello, RouterID: netip.MustParseAddr("192.0.2.1"), AreaID: netip.MustParseAddr("0.0.0.0")},
		Hello: ospf.Hello{
			NetworkMask:        ospf.Mask(24),
			HelloInterval:      10,
			Options:            ospf.OptE,
			Priority:           1,
			RouterDeadInterval: 40,
			Neighbors:          []netip.Addr{netip.MustParseAddr("192.0.2.2")},
		},
	}
	auth := ospf.AuthConfig{Type: ospf.AuthCrypto, Keys: []ospf.Key{
		{ID: 1, Algorithm: ospf.AlgHMACSHA256, Secret: []byte("s3cret")},
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
	fmt.Printf("%d bytes on the wire, %d of them digest\n", len(b), ospf.AlgHMACSHA256.Size())

	// Receiving side: one ReplayState per neighbor, one reused Packet.
	var replay ospf.ReplayState
	var in ospf.Packet
	body, err := auth.Verify(b, &replay, now)
	if err != nil {
		panic(err)
	}
	if err := in.DecodeFrom(body); err != nil {
		panic(err)
	}
	bits, _ := ospf.MaskBits(in.Hello.NetworkMask)
	fmt.Printf("%v from %v: /%d hello %ds dead %ds options %v neighbors %v\n",
		in.Header.Type, in.Header.RouterID, bits, in.Hello.HelloInterval, in.Hello.RouterDeadInterval, in.Hello.Options, in.Hello.Neighbors)
	fmt.Printf("key %d, sequence %d\n", in.Header.Crypto().KeyID, replay.Seq)

	// The same packet again is a replay in strict mode.
	auth.Replay = ospf.ReplayStrict
	_, err = auth.Verify(b, &replay, now)
	fmt.Println(err)
	// Output:
	// 80 bytes on the wire, 32 of them digest
	// Hello from 192.0.2.1: /24 hello 10s dead 40s options E neighbors [192.0.2.2]
	// key 1, sequence 1
	// ospf: authentication failed: replayed cryptographic sequence number: sequence 1 after 1 (strict)
}

// CompareLSA orders two instances of one LSA as RFC 2328 13.1 does.
func ExampleCompareLSA() {
	older := ospf.LSAHeader{Type: ospf.LSTypeRouter, Seq: ospf.InitialSequenceNumber, Checksum: 0x1234, Age: 100}
	newer := older
	newer.Seq++
	flushed := older
	flushed.Age = ospf.MaxAge
	fmt.Println(ospf.CompareLSA(newer, older), ospf.CompareLSA(older, flushed), ospf.CompareLSA(older, older))
	// Output: 1 -1 0
}
