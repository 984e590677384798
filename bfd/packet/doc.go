// Package packet is the wire format of BFD (RFC 5880 §4): the Control
// packet of the asynchronous mode and its authentication section —
// simple password (§4.2), keyed and meticulous keyed MD5 (§4.3), keyed
// and meticulous keyed SHA1 (§4.4) — as carried over UDP port 3784 for
// single-hop sessions (RFC 5881).
//
//	 0                   1                   2                   3
//	 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|Vers |  Diag   |Sta|P|F|C|A|D|M|  Detect Mult  |    Length     |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|                       My Discriminator                        |
//	|                      Your Discriminator                       |
//	|                    Desired Min TX Interval                    |
//	|                   Required Min RX Interval                    |
//	|                 Required Min Echo RX Interval                 |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|   Auth Type   |   Auth Len    |  Auth Key ID  | (Reserved)    |
//	|         Sequence Number (keyed types) ...                     |
//	|         Password, or Auth Key/Digest (16 or 20 bytes) ...     |
//
// Codec verbs follow the module: [Parse] returns a decoded [Control];
// [Control.Decode] decodes into an existing value, reusing its memory
// (zero allocations once its auth buffers have grown);
// [Control.AppendBinary] appends the encoding. [Sign] fills in the
// digest of an encoded keyed packet and [Verify] checks a received one's
// password or digest against a key. Decoders never panic; errors wrap
// the sentinels of this package.
//
// Parse checks the structure (version, lengths, the auth section's
// layout). The rules of §6.8.6 that depend on the field values — Detect
// Mult not zero, Multipoint clear, My Discriminator not zero, Your
// Discriminator zero only in Down and AdminDown — are [Control.Check],
// so a receiver can count each reason apart.
package packet
