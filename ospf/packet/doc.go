// Package packet is the OSPF version 2 wire format (RFC 2328 Appendix A,
// D and RFC 5709): packets, LSAs, checksums and the authentication codec.
// Package ospf, the protocol, stands on it. It is plain data and pure
// functions: no I/O, no clock, no global state.
//
// A [Packet] is the common [Header] (RFC 2328 A.3.1) and one body chosen
// by Header.Type: [Hello] (A.3.2), [DatabaseDescription] (A.3.3),
// [LSRequest] (A.3.4), [LSUpdate] (A.3.5) or [LSAck] (A.3.6). An [LSA]
// (A.4) is an [LSAHeader] and one body chosen by its LS type:
// [RouterLSA] (type 1; flags, point-to-point, transit, stub and virtual
// links, TOS entries kept), [NetworkLSA] (2), [SummaryLSA] (3 and 4),
// [ExternalLSA] (5, and 7 for NSSA, RFC 3101) and [OpaqueLSA] (9, 10, 11,
// RFC 5250). Other LS types keep their body as bytes so they can be
// flooded unchanged.
//
// Decoding checks every length before using it, never panics (fuzzed),
// and returns errors wrapping the sentinels [ErrShort] (which wraps
// io.ErrUnexpectedEOF), [ErrLength], [ErrVersion], [ErrType],
// [ErrMalformed]. Decode methods reuse the target's slices, so a
// receive loop that keeps one Packet does not allocate once warm.
// AppendBinary methods append to the caller's buffer and compute the
// packet length and checksum and each LSA's length and LS checksum; an LS
// checksum that already verifies is kept, so a received LSA re-encodes to
// the bytes that arrived.
//
// Checksums: [PacketChecksum] and [VerifyPacketChecksum] are the standard
// IP checksum over the packet without the 64-bit authentication field
// (D.4.1, D.4.2; cryptographic packets carry none, D.4.3).
// [LSAChecksum] and [VerifyLSAChecksum] are the Fletcher checksum of
// 12.1.7 with LS age excluded. [CompareLSA] decides which of two
// instances of an LSA is newer (13.1).
//
// Authentication (Appendix D, RFC 5709): [Sign] finishes an encoded packet
// for sending under an AuType (checksum and simple password, or a
// [CryptoKey]'s message digest: keyed MD5, HMAC-SHA-1/256/384/512);
// [VerifyPassword] and [VerifyDigest] check a received one. Failures wrap
// [ErrAuth] through [ErrAuthType], [ErrAuthLength] and [ErrAuthMismatch],
// or [ErrChecksum]. Key lifetimes and the per-neighbor sequence-number
// check are package ospf's (ospf.AuthConfig, ospf.ReplayState).
//
// The codec is checked against packets captured from FRR and BIRD
// (testdata/golden, see golden_capture_test.go), against gopacket's
// OSPFv2 decoder and against tshark's dissector.
package packet
