package packet

import (
	"encoding/binary"
	"fmt"
	"net/netip"
)

// helloFixedLen is the Hello body before the neighbor list (RFC 2328 A.3.2).
const helloFixedLen = 20

// Offsets in the Hello body, after the common header (RFC 2328 A.3.2).
const (
	offHelloMask     = 0  // Network Mask, 4 bytes
	offHelloInterval = 4  // HelloInterval, 2 bytes, seconds
	offHelloOptions  = 6  // Options, 1 byte
	offHelloPriority = 7  // Rtr Pri, 1 byte
	offHelloDead     = 8  // RouterDeadInterval, 4 bytes, seconds
	offHelloDR       = 12 // Designated Router, 4 bytes
	offHelloBDR      = 16 // Backup Designated Router, 4 bytes
	offHelloNbrs     = 20 // Neighbor, 4 bytes each
)

// Hello is the body of a Hello packet (RFC 2328 A.3.2).
type Hello struct {
	NetworkMask        netip.Addr
	HelloInterval      uint16 // seconds
	Options            Options
	Priority           uint8
	RouterDeadInterval uint32 // seconds
	// DesignatedRouter and BackupDesignatedRouter are interface
	// addresses; 0.0.0.0 when there is none.
	DesignatedRouter       netip.Addr
	BackupDesignatedRouter netip.Addr
	// Neighbors are the Router IDs heard from on the network recently.
	Neighbors []netip.Addr
}

// Decode decodes a Hello body (the packet after the common header, up
// to its packet length) into h, reusing h.Neighbors.
func (h *Hello) Decode(body []byte) error {
	n, err := listLen("hello", body, helloFixedLen, 4)
	if err != nil {
		return err
	}
	h.NetworkMask = addrAt(body, offHelloMask)
	h.HelloInterval = binary.BigEndian.Uint16(body[offHelloInterval:])
	h.Options = Options(body[offHelloOptions])
	h.Priority = body[offHelloPriority]
	h.RouterDeadInterval = binary.BigEndian.Uint32(body[offHelloDead:])
	h.DesignatedRouter = addrAt(body, offHelloDR)
	h.BackupDesignatedRouter = addrAt(body, offHelloBDR)
	nb := h.Neighbors[:0]
	for i := range n {
		nb = append(nb, addrAt(body, offHelloNbrs+4*i))
	}
	h.Neighbors = nb
	return nil
}

// AppendBinary appends the Hello body.
func (h Hello) AppendBinary(b []byte) ([]byte, error) {
	start := len(b)
	var err error
	if b, err = appendAddr(b, h.NetworkMask, "hello network mask"); err != nil {
		return b[:start], err
	}
	b = binary.BigEndian.AppendUint16(b, h.HelloInterval)
	b = append(b, byte(h.Options), h.Priority)
	b = binary.BigEndian.AppendUint32(b, h.RouterDeadInterval)
	if b, err = appendAddr(b, h.DesignatedRouter, "designated router"); err != nil {
		return b[:start], err
	}
	if b, err = appendAddr(b, h.BackupDesignatedRouter, "backup designated router"); err != nil {
		return b[:start], err
	}
	for i, a := range h.Neighbors {
		if b, err = appendAddr(b, a, "neighbor"); err != nil {
			err = fmt.Errorf("hello neighbor %d: %w", i, err)
			return b[:start], err
		}
	}
	return b, nil
}
