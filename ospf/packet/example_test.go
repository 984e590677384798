package packet_test

import (
	"fmt"
	"net/netip"

	"github.com/switchless/routing/ospf/packet"
)

// A Hello is built, encoded, signed with HMAC-SHA-256, then verified and
// decoded the way a receiver would. (Which key signs when, and the
// per-neighbor sequence-number check, are ospf.AuthConfig's.)
func ExampleHello() {
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
	key := packet.CryptoKey{ID: 1, Algorithm: packet.AlgHMACSHA256, Secret: []byte("s3cret")}

	b, err := out.AppendBinary(nil)
	if err != nil {
		panic(err)
	}
	b, err = packet.Sign(b, packet.AuthCrypto, "", key, 1)
	if err != nil {
		panic(err)
	}
	fmt.Printf("%d bytes on the wire, %d of them digest\n", len(b), packet.AlgHMACSHA256.Size())

	// Receiving side: the header names the key, the digest is checked,
	// then the packet without its digest is decoded into a reused Packet.
	h, err := packet.ParseHeader(b)
	if err != nil {
		panic(err)
	}
	if err := packet.VerifyDigest(b, h, key); err != nil {
		panic(err)
	}
	var in packet.Packet
	if err := in.Decode(b[:h.Length]); err != nil {
		panic(err)
	}
	bits, _ := packet.MaskBits(in.Hello.NetworkMask)
	fmt.Printf("%v from %v: /%d hello %ds dead %ds options %v neighbors %v\n",
		in.Header.Type, in.Header.RouterID, bits, in.Hello.HelloInterval, in.Hello.RouterDeadInterval, in.Hello.Options, in.Hello.Neighbors)
	fmt.Printf("key %d, sequence %d\n", in.Header.Crypto().KeyID, in.Header.Crypto().Seq)

	// One flipped bit and the digest no longer matches.
	b[len(b)-1] ^= 1
	fmt.Println(packet.VerifyDigest(b, h, key))
	// Output:
	// 80 bytes on the wire, 32 of them digest
	// Hello from 192.0.2.1: /24 hello 10s dead 40s options E neighbors [192.0.2.2]
	// key 1, sequence 1
	// ospf: authentication failed: password or digest mismatch: key 1 (HMAC-SHA-256) digest
}

// CompareLSA orders two instances of one LSA as RFC 2328 13.1 does.
func ExampleCompareLSA() {
	older := packet.LSAHeader{Type: packet.LSTypeRouter, Seq: packet.InitialSequenceNumber, Checksum: 0x1234, Age: 100}
	newer := older
	newer.Seq++
	flushed := older
	flushed.Age = packet.MaxAge
	fmt.Println(packet.CompareLSA(newer, older), packet.CompareLSA(older, flushed), packet.CompareLSA(older, older))
	// Output: 1 -1 0
}
