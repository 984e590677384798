package ospf

import (
	"net/netip"
	"path/filepath"
	"testing"
	"time"

	"github.com/switchless/routing/internal/golden"
	"github.com/switchless/routing/ospf/packet"
)

// Fixtures the authentication tests share with package packet's codec
// tests: the golden captures under packet/testdata/golden, the secrets of
// the captured links, and a few sample packets. These tests exercise
// AuthConfig (key selection, lifetimes, replay), which is this package's.

// Wire offsets the tests poke at to corrupt packets: Packet length,
// Checksum and AuType of the header (RFC 2328 A.3.1) and LS checksum of
// an LSA header (A.4.1).
const (
	offLength         = 2
	offChecksum       = 12
	offAuType         = 14
	lsaChecksumOffset = 16
)

// Secrets of the captured links, needed to verify the goldens.
// Secrets of the captured links, needed to verify the goldens.
const (
	goldenMD5Secret = "o3-md5-key"
	goldenSHAKey1   = "o3-hmac-sha1-key-of-30-bytes!!" // 30 bytes: longer than L=20, shorter than the 64-byte block
	goldenSHAKey256 = "o3-hmac-sha256-key"
	goldenSHAKey384 = "o3-hmac-sha384-key"
	goldenSHAKey512 = "o3-hmac-sha512-key"
)

type goldenPacket struct {
	link string // file name without .txt
	line int
	note string // the comment line above: "src -> dst Type"
	data []byte
}

// goldenAuth is the authentication configured on each captured link.
func goldenAuth(link string) AuthConfig {
	sha := func(id uint8, alg packet.Algorithm, key string) AuthConfig {
		return AuthConfig{Type: packet.AuthCrypto, Keys: []Key{{ID: id, Algorithm: alg, Secret: []byte(key)}}}
	}
	switch link {
	case "frr-area1-md5":
		return AuthConfig{Type: packet.AuthCrypto, Keys: []Key{{ID: 1, Algorithm: packet.AlgMD5, Secret: []byte(goldenMD5Secret)}}}
	case "bird-hmac-sha1":
		a := sha(1, packet.AlgHMACSHA1, goldenSHAKey1)
		a.Keys[0].PlainHMACKey = true // BIRD does not pre-hash keys longer than L
		return a
	case "bird-hmac-sha256":
		return sha(2, packet.AlgHMACSHA256, goldenSHAKey256)
	case "bird-hmac-sha384":
		return sha(3, packet.AlgHMACSHA384, goldenSHAKey384)
	case "bird-hmac-sha512":
		return sha(4, packet.AlgHMACSHA512, goldenSHAKey512)
	}
	return AuthConfig{}
}

func loadGoldens(t testing.TB) []goldenPacket {
	t.Helper()
	var out []goldenPacket
	for _, g := range golden.Dir(t, filepath.Join("packet", "testdata", "golden"), "packet/golden_capture_test.go") {
		out = append(out, goldenPacket{link: g.Name, line: g.Line, note: g.Note, data: g.Data})
	}
	return out
}

// goldenTime is any instant: the golden keys have no lifetimes.
var goldenTime = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func sampleHeader(t packet.PacketType) packet.Header {
	return packet.Header{Type: t, RouterID: netip.MustParseAddr("192.0.2.1"), AreaID: netip.MustParseAddr("0.0.0.1")}
}

func sampleHello(neighbors int) packet.Packet {
	p := packet.Packet{Header: sampleHeader(packet.TypeHello), Hello: packet.Hello{
		NetworkMask: packet.Mask(24), HelloInterval: 10, Options: packet.OptE | packet.OptDC, Priority: 7, RouterDeadInterval: 40,
		DesignatedRouter: netip.MustParseAddr("10.1.1.1"), BackupDesignatedRouter: netip.MustParseAddr("10.1.1.2"),
	}}
	for i := range neighbors {
		p.Hello.Neighbors = append(p.Hello.Neighbors, netip.AddrFrom4([4]byte{10, 255, 0, byte(i + 1)}))
	}
	return p
}

func sampleLSAHeader(i int) packet.LSAHeader {
	return packet.LSAHeader{Age: uint16(i), Options: packet.OptE, Type: packet.LSType(1 + i%5), ID: netip.AddrFrom4([4]byte{10, byte(i >> 8), byte(i), 0}),
		AdvRouter: netip.AddrFrom4([4]byte{192, 0, 2, byte(i)}), Seq: packet.InitialSequenceNumber + int32(i), Checksum: uint16(0x1000 + i), Length: uint16(24 + 12*(i%4))}
}

func sampleDD(headers int) packet.Packet {
	p := packet.Packet{Header: sampleHeader(packet.TypeDatabaseDescription), DD: packet.DatabaseDescription{InterfaceMTU: 1500, Options: packet.OptE | packet.OptO, Flags: packet.DDFlagM | packet.DDFlagMS, Seq: 0x4d2}}
	for i := range headers {
		p.DD.LSAHeaders = append(p.DD.LSAHeaders, sampleLSAHeader(i))
	}
	return p
}
