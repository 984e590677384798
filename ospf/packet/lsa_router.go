package packet

import (
	"encoding/binary"
	"fmt"
	"net/netip"
	"strings"
)

// Offsets in a router-LSA body, after the LSA header (RFC 2328 A.4.2).
const (
	offRouterFlags    = 0 // 0|Nt|W|V|E|B (low bits), 1 byte
	offRouterReserved = 1 // 0, 1 byte
	offRouterNLinks   = 2 // # links, 2 bytes
	offRouterLinks    = 4 // links
	routerFixedLen    = 4

	offLinkID     = 0  // Link ID, 4 bytes
	offLinkData   = 4  // Link Data, 4 bytes
	offLinkType   = 8  // Type, 1 byte
	offLinkNTOS   = 9  // # TOS, 1 byte
	offLinkMetric = 10 // TOS 0 metric, 2 bytes
	linkFixedLen  = 12
	tosEntryLen   = 4 // TOS, 0, metric (2 bytes)
)

// RouterFlags is the flags byte of a router-LSA. All bits are kept.
type RouterFlags uint8

// Router-LSA flag bits.
const (
	RouterFlagB  RouterFlags = 0x01 // area border router (A.4.2)
	RouterFlagE  RouterFlags = 0x02 // AS boundary router (A.4.2)
	RouterFlagV  RouterFlags = 0x04 // endpoint of a full virtual link (A.4.2)
	RouterFlagW  RouterFlags = 0x08 // wild-card multicast receiver (RFC 1584)
	RouterFlagNt RouterFlags = 0x10 // NSSA translator (RFC 3101)
)

func (f RouterFlags) String() string {
	names := [5]string{"B", "E", "V", "W", "Nt"}
	var s []string
	for i, n := range names {
		if f&(1<<i) != 0 {
			s = append(s, n)
		}
	}
	if rest := f &^ 0x1f; rest != 0 {
		s = append(s, fmt.Sprintf("%#02x", uint8(rest)))
	}
	if len(s) == 0 {
		return "0"
	}
	return strings.Join(s, "|")
}

// LinkType is the type of a router-LSA link (RFC 2328 A.4.2).
type LinkType uint8

// Router-LSA link types.
const (
	LinkPointToPoint LinkType = 1 // Link ID: neighbor router ID
	LinkTransit      LinkType = 2 // Link ID: DR's interface address
	LinkStub         LinkType = 3 // Link ID: network number, Link Data: mask
	LinkVirtual      LinkType = 4 // Link ID: neighbor router ID
)

func (t LinkType) String() string {
	switch t {
	case LinkPointToPoint:
		return "PointToPoint"
	case LinkTransit:
		return "Transit"
	case LinkStub:
		return "Stub"
	case LinkVirtual:
		return "Virtual"
	}
	return fmt.Sprintf("LinkType(%d)", uint8(t))
}

// TOSMetric is an extra TOS entry of a router-LSA link (RFC 2328 A.4.2),
// kept so that LSAs from routers still using TOS re-encode exactly.
type TOSMetric struct {
	TOS    uint8
	Metric uint16
}

// RouterLink is one link of a router-LSA (RFC 2328 A.4.2).
type RouterLink struct {
	ID     netip.Addr // Link ID
	Data   netip.Addr // Link Data (an address, a mask, or an ifIndex for unnumbered links)
	Type   LinkType
	Metric uint16 // TOS 0 metric
	TOS    []TOSMetric
}

// RouterLSA is the body of a router-LSA, LS type 1 (RFC 2328 A.4.2).
type RouterLSA struct {
	Flags RouterFlags
	Links []RouterLink
}

// Decode decodes a router-LSA body into r, reusing r's slices. The
// links must fill the body exactly.
func (r *RouterLSA) Decode(body []byte) error {
	if len(body) < routerFixedLen {
		return fmt.Errorf("%w: router-LSA body of %d bytes, need %d", ErrShort, len(body), routerFixedLen)
	}
	if body[offRouterReserved] != 0 {
		return fmt.Errorf("%w: router-LSA reserved byte %#02x", ErrMalformed, body[offRouterReserved])
	}
	r.Flags = RouterFlags(body[offRouterFlags])
	n := int(binary.BigEndian.Uint16(body[offRouterNLinks:]))
	links := r.Links[:0]
	off := offRouterLinks
	for i := range n {
		if len(body)-off < linkFixedLen {
			r.Links = links
			return fmt.Errorf("%w: router-LSA link %d of %d at offset %d", ErrLength, i, n, off)
		}
		e := body[off:]
		ntos := int(e[offLinkNTOS])
		if len(e) < linkFixedLen+ntos*tosEntryLen {
			r.Links = links
			return fmt.Errorf("%w: router-LSA link %d: %d TOS entries overrun the LSA", ErrLength, i, ntos)
		}
		if i < cap(links) {
			links = links[:i+1]
		} else {
			links = append(links, RouterLink{})
		}
		lk := &links[i]
		lk.ID = addrAt(e, offLinkID)
		lk.Data = addrAt(e, offLinkData)
		lk.Type = LinkType(e[offLinkType])
		lk.Metric = binary.BigEndian.Uint16(e[offLinkMetric:])
		tos := lk.TOS[:0]
		for j := range ntos {
			t := e[linkFixedLen+j*tosEntryLen:]
			if t[1] != 0 {
				r.Links = links
				return fmt.Errorf("%w: router-LSA link %d TOS entry %d: reserved byte %#02x", ErrMalformed, i, j, t[1])
			}
			tos = append(tos, TOSMetric{TOS: t[0], Metric: binary.BigEndian.Uint16(t[2:])})
		}
		if len(tos) == 0 {
			tos = tos[:0:0] // keep nil-ness comparable for equal TOS-less links
		}
		lk.TOS = tos
		off += linkFixedLen + ntos*tosEntryLen
	}
	r.Links = links
	if off != len(body) {
		return fmt.Errorf("%w: router-LSA has %d bytes after its %d links", ErrLength, len(body)-off, n)
	}
	return nil
}

// AppendBinary appends the router-LSA body.
func (r RouterLSA) AppendBinary(b []byte) ([]byte, error) {
	start := len(b)
	if len(r.Links) > 0xffff {
		return b, fmt.Errorf("%w: %d router-LSA links", ErrEncode, len(r.Links))
	}
	b = append(b, byte(r.Flags), 0)
	b = binary.BigEndian.AppendUint16(b, uint16(len(r.Links)))
	for i := range r.Links {
		lk := &r.Links[i]
		if len(lk.TOS) > 0xff {
			return b[:start], fmt.Errorf("%w: router-LSA link %d has %d TOS entries", ErrEncode, i, len(lk.TOS))
		}
		var err error
		if b, err = appendAddr(b, lk.ID, "link ID"); err == nil {
			b, err = appendAddr(b, lk.Data, "link data")
		}
		if err != nil {
			return b[:start], fmt.Errorf("router-LSA link %d: %w", i, err)
		}
		b = append(b, byte(lk.Type), byte(len(lk.TOS)))
		b = binary.BigEndian.AppendUint16(b, lk.Metric)
		for _, t := range lk.TOS {
			b = append(b, t.TOS, 0)
			b = binary.BigEndian.AppendUint16(b, t.Metric)
		}
	}
	return b, nil
}
