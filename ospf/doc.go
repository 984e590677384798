// Package ospf implements OSPF version 2 (RFC 2328).
//
// # Wire format
//
// The codec is the layer everything else in the package stands on. It is
// plain data and pure functions: no I/O, no clock, no global state.
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
// [ErrMalformed]. DecodeFrom methods reuse the target's slices, so a
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
// Authentication (Appendix D, RFC 5709): an [AuthConfig] holds the
// interface's AuType, simple password or cryptographic [Key]s (keyed MD5,
// HMAC-SHA-1/256/384/512, key IDs and lifetimes). [AuthConfig.Sign]
// finishes an encoded packet for sending; [AuthConfig.Verify] checks a
// received one (checksum, password, or key ID, digest length, digest and
// sequence number) and returns the packet without its digest. The
// per-neighbor sequence-number memory is a small [ReplayState] value the
// caller keeps; [ReplayTolerant] (RFC 2328 D.5.3) accepts a repeated
// sequence number, [ReplayStrict] does not. Failures wrap [ErrAuth]
// through [ErrAuthType], [ErrAuthKeyID], [ErrAuthLength],
// [ErrAuthMismatch] and [ErrReplay], or [ErrChecksum], so drops can be
// counted by reason.
//
// Receive path, in order:
//
//	body, err := iface.Auth.Verify(pkt.Payload, &nbr.Replay, now) // D.5
//	err = p.DecodeFrom(body)                                       // A.3
//	// for each LSA of an LS Update: VerifyLSAChecksum, CompareLSA (13)
//
// The codec is checked against packets captured from FRR and BIRD
// (testdata/golden, see golden_capture_test.go), against gopacket's
// OSPFv2 decoder and against tshark's dissector.
package ospf
