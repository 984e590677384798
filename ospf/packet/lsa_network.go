package packet

import (
	"fmt"
	"net/netip"
)

// Offsets in a network-LSA body (RFC 2328 A.4.3).
const (
	offNetworkMask    = 0 // Network Mask, 4 bytes
	offNetworkRouters = 4 // Attached Router, 4 bytes each
	networkFixedLen   = 4
)

// NetworkLSA is the body of a network-LSA, LS type 2 (RFC 2328 A.4.3),
// originated by the Designated Router of a transit network.
type NetworkLSA struct {
	NetworkMask netip.Addr
	// AttachedRouters are the Router IDs of the routers fully adjacent to
	// the DR, the DR included.
	AttachedRouters []netip.Addr
}

// Decode decodes a network-LSA body into n, reusing its slice.
func (n *NetworkLSA) Decode(body []byte) error {
	cnt, err := listLen("network-LSA", body, networkFixedLen, 4)
	if err != nil {
		return err
	}
	n.NetworkMask = addrAt(body, offNetworkMask)
	rs := n.AttachedRouters[:0]
	for i := range cnt {
		rs = append(rs, addrAt(body, offNetworkRouters+4*i))
	}
	n.AttachedRouters = rs
	return nil
}

// AppendBinary appends the network-LSA body.
func (n NetworkLSA) AppendBinary(b []byte) ([]byte, error) {
	start := len(b)
	b, err := appendAddr(b, n.NetworkMask, "network mask")
	if err != nil {
		return b, err
	}
	for i, r := range n.AttachedRouters {
		if b, err = appendAddr(b, r, "attached router"); err != nil {
			return b[:start], fmt.Errorf("network-LSA router %d: %w", i, err)
		}
	}
	return b, nil
}
