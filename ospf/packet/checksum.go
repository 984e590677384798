package packet

import (
	"encoding/binary"
	"fmt"
)

// sum16 adds b as big-endian 16-bit words (an odd last byte is padded
// with zero) to sum, without folding. Callers fold with fold16.
func sum16(sum uint64, b []byte) uint64 {
	for len(b) >= 8 {
		sum += uint64(binary.BigEndian.Uint16(b)) + uint64(binary.BigEndian.Uint16(b[2:])) +
			uint64(binary.BigEndian.Uint16(b[4:])) + uint64(binary.BigEndian.Uint16(b[6:]))
		b = b[8:]
	}
	for len(b) >= 2 {
		sum += uint64(binary.BigEndian.Uint16(b))
		b = b[2:]
	}
	if len(b) == 1 {
		sum += uint64(b[0]) << 8
	}
	return sum
}

func fold16(sum uint64) uint16 {
	for sum>>16 != 0 {
		sum = sum&0xffff + sum>>16
	}
	return uint16(sum)
}

// PacketChecksum returns the standard IP checksum of an encoded OSPF
// packet as RFC 2328 D.4.1 and D.4.2 define it for AuType 0 and 1: the
// one's complement of the one's complement sum of the whole packet
// (pkt[:Length]) with the checksum field taken as zero and the 64-bit
// authentication field excluded. pkt must hold at least a header.
func PacketChecksum(pkt []byte) uint16 {
	if len(pkt) < HeaderLen {
		return 0
	}
	n := int(binary.BigEndian.Uint16(pkt[offLength:]))
	if n < HeaderLen || n > len(pkt) {
		n = len(pkt)
	}
	s := sum16(0, pkt[:offChecksum])
	s = sum16(s, pkt[offAuType:offAuth])
	s = sum16(s, pkt[HeaderLen:n])
	return ^fold16(s)
}

// VerifyPacketChecksum checks the packet checksum of an AuType 0 or 1
// packet (RFC 2328 D.5.1, D.5.2). Cryptographic packets carry no checksum
// (D.4.3) and are not checked here.
func VerifyPacketChecksum(pkt []byte) error {
	if len(pkt) < HeaderLen {
		return fmt.Errorf("%w: %d bytes, header needs %d", ErrShort, len(pkt), HeaderLen)
	}
	got := binary.BigEndian.Uint16(pkt[offChecksum:])
	if want := PacketChecksum(pkt); got != want && !(got == 0xffff && want == 0) && !(got == 0 && want == 0xffff) {
		return fmt.Errorf("%w: packet checksum %#04x, computed %#04x", ErrChecksum, got, want)
	}
	return nil
}

// lsaChecksumOffset is where the 16-bit LS checksum sits in an LSA
// (RFC 2328 A.4.1); the Fletcher sum starts after the 2-byte LS age.
const (
	lsaChecksumOffset = 16
	fletcherStart     = 2
)

// fletcherSums returns the two running sums of the Fletcher checksum
// (RFC 905 Annex B) over lsa[2:], reduced mod 255. If zeroChecksum is
// set the checksum bytes are counted as zero. lsa holds at least a header.
func fletcherSums(lsa []byte, zeroChecksum bool) (c0, c1 uint64) {
	// No reduction inside the loops: an LSA is at most 65535 bytes, so c0
	// stays below 2^24 and c1 below 2^40.
	add := func(b []byte) {
		for _, v := range b {
			c0 += uint64(v)
			c1 += c0
		}
	}
	add(lsa[fletcherStart:lsaChecksumOffset])
	if zeroChecksum {
		c1 += 2 * c0
	} else {
		add(lsa[lsaChecksumOffset : lsaChecksumOffset+2])
	}
	add(lsa[lsaChecksumOffset+2:])
	return c0 % 255, c1 % 255
}

// LSAChecksum computes the LS checksum of an encoded LSA (RFC 2328 12.1.7):
// the Fletcher checksum of RFC 905 Annex B over the whole LSA except the LS
// age, with the checksum field itself taken as zero. lsa must be exactly
// one LSA (its length field is not consulted) of at least LSAHeaderLen
// bytes; a shorter input yields 0.
func LSAChecksum(lsa []byte) uint16 {
	if len(lsa) < LSAHeaderLen {
		return 0
	}
	c0, c1 := fletcherSums(lsa, true)
	// Position of the first checksum byte counted from the end of the
	// checksummed data, as in RFC 905 Annex B.
	n := uint64(len(lsa) - lsaChecksumOffset - 1)
	x := int((n*c0 + 255*255 - c1) % 255)
	if x <= 0 {
		x += 255
	}
	y := 510 - int(c0) - x
	if y > 255 {
		y -= 255
	}
	return uint16(x)<<8 | uint16(y)
}

// VerifyLSAChecksum checks the LS checksum of one encoded LSA (RFC 2328
// 13 step 1): both Fletcher sums over the LSA, checksum included and LS
// age excluded, must be zero mod 255. A checksum of zero never verifies,
// because RFC 905 reserves it for "not computed".
func VerifyLSAChecksum(lsa []byte) error {
	if len(lsa) < LSAHeaderLen {
		return fmt.Errorf("%w: LSA of %d bytes, header needs %d", ErrShort, len(lsa), LSAHeaderLen)
	}
	if binary.BigEndian.Uint16(lsa[lsaChecksumOffset:]) == 0 {
		return fmt.Errorf("%w: LS checksum is zero", ErrChecksum)
	}
	if c0, c1 := fletcherSums(lsa, false); c0 != 0 || c1 != 0 {
		return fmt.Errorf("%w: LS checksum %#04x, computed %#04x", ErrChecksum,
			binary.BigEndian.Uint16(lsa[lsaChecksumOffset:]), LSAChecksum(lsa))
	}
	return nil
}

// checksumEquivalent reports whether two Fletcher checksums are the same
// modulo 255 in each byte (0x00 and 0xff are the same residue), i.e. both
// verify for the same content.
func checksumEquivalent(a, b uint16) bool {
	return (a>>8)%255 == (b>>8)%255 && (a&0xff)%255 == (b&0xff)%255
}
