// Package packet is the wire format of RIP version 2 (RFC 2453 §4) and of
// the version 1 messages a RIP-2 router still receives (§4.1, RFC 1058
// §3.1), with the authentication entry: simple password (RFC 2453 §4.1)
// and cryptographic authentication (RFC 4822: keyed MD5 as RFC 2082
// specifies it, HMAC-SHA-1, -256, -384 and -512).
//
//	 0                   1                   2                   3
//	 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//	+---------------+---------------+-------------------------------+
//	|  command (1)  |  version (1)  |        must be zero (2)       |
//	+---------------+---------------+-------------------------------+
//	| Address Family Identifier (2) |          Route Tag (2)        |
//	+-------------------------------+-------------------------------+
//	|                          IP Address (4)                       |
//	+---------------------------------------------------------------+
//	|                          Subnet Mask (4)                      |
//	+---------------------------------------------------------------+
//	|                           Next Hop (4)                        |
//	+---------------------------------------------------------------+
//	|                           Metric (4)                          |
//	+---------------------------------------------------------------+
//	|          ... up to 25 route entries of 20 bytes ...           |
//
// An authenticated message replaces the first route entry by an
// authentication entry (Address Family 0xFFFF):
//
//	| 0xFFFF                        | Authentication Type (2)       |
//	|            Authentication: 16 bytes (type 2, password)        |
//
// or, for cryptographic authentication (type 3, RFC 4822 §2.2), a header
// giving the RIP packet length (up to the trailer), the key ID, the
// authentication data length and a non-decreasing sequence number, and a
// trailer after the route entries:
//
//	| 0xFFFF                        | 0x0003                        |
//	| RIPv2 Packet Length (2)       | Key ID (1)    | Auth Data Len |
//	|                     Sequence Number (4)                       |
//	|                     reserved, zero (8)                        |
//	... route entries ...
//	| 0xFFFF                        | 0x0001                        |
//	|        Authentication Data (16, 20, 32, 48 or 64 bytes)       |
//
// Codec verbs follow the module: [Parse] returns a decoded [Message];
// [Message.Decode] decodes into an existing value, reusing its memory
// (zero allocations once the entry slice has grown); [Message.AppendBinary]
// appends the encoding. [Sign] and [Verify] compute and check the
// cryptographic digest over the encoded bytes with a [Key]. Decoders never
// panic; errors wrap the sentinels of this package.
package packet
