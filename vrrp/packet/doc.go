// Package packet is the wire format of VRRP version 2 (RFC 3768) and
// version 3 (RFC 5798): the ADVERTISEMENT, its checksum modes, the
// protocol's IP constants (protocol 112, TTL 255, the multicast groups),
// the virtual router MAC (RFC 5798 §7.3) and the gratuitous ARP and
// unsolicited Neighbor Advertisement frames a new Master announces its
// addresses with (RFC 5798 §6.4.1, §6.4.2).
//
// Codec verbs follow the suite: [ParseAdvertisement] returns a decoded
// value, [Advertisement.Decode] decodes into an existing one without
// allocating, [Advertisement.AppendBinary] appends the encoding. Because
// the VRRPv3 checksum covers a pseudo-header (RFC 5798 §5.2.8), all three
// take the IP source and destination and a [ChecksumMode]. Decoders wrap
// one of the package's sentinel errors and never panic.
//
// The package holds only the VRRP message: IP headers are the
// transport's (see routing.Packet). Package vrrp imports it; it imports
// nothing of vrrp.
package packet
