package ospf

import (
	"errors"
	"fmt"

	"github.com/switchless/routing"
	"github.com/switchless/routing/ospf/packet"
)

// receive runs the checks of RFC 2328 §8.2 on a packet received on ifc
// and dispatches it by type. A packet failing any check is dropped and
// counted, and changes nothing (the replay state of D.5.3 only advances
// for packets whose digest verifies).
func (in *Instance) receive(ifc *iface, p routing.Packet) {
	src := p.Src.Unmap()
	if ifc.state == IfDown || ifc.state == IfLoopback || ifc.cfg.Passive {
		ifc.drop(DropInterfaceDown, src, nil)
		return
	}
	var h packet.Header
	if err := h.Decode(p.Payload); err != nil {
		ifc.drop(DropMalformed, src, err)
		return
	}
	// §8.2: the Area ID must be the interface's (virtual links, which
	// would carry the backbone's on other areas' interfaces, are not
	// supported).
	if h.AreaID != in.area {
		ifc.drop(DropWrongArea, src, fmt.Errorf("area mismatch: expected %v, received %v", in.area, h.AreaID))
		return
	}
	// Our own packets, looped back by a transport or a bridge.
	if h.RouterID == in.rid || src == ifc.addr {
		ifc.drop(DropSelf, src, nil)
		return
	}
	// §8.2: except on point-to-point networks the source must be on the
	// interface's subnet.
	if !ifc.p2p() && !ifc.prefix.Contains(src) {
		ifc.drop(DropWrongSource, src, nil)
		return
	}
	// §8.2: AllDRouters is for the DR and BDR only.
	if p.Dst.Unmap() == packet.AllDRouters && ifc.state != IfDR && ifc.state != IfBackup {
		ifc.drop(DropWrongDest, src, nil)
		return
	}
	// §8.2, D.5: authentication, with the sending neighbor's replay
	// state. A hello from an unknown router is checked against a fresh
	// state that becomes the new neighbor's.
	nbr := ifc.lookup(h.RouterID, src)
	var fresh ReplayState
	rs := &fresh
	if nbr != nil && (ifc.p2p() || nbr.rid == h.RouterID) {
		rs = &nbr.replay
	}
	body, err := ifc.cfg.Auth.Verify(p.Payload, rs, in.clock.Now())
	if err != nil {
		ifc.drop(authReason(err), src, err)
		return
	}
	if h.Type == packet.TypeLSUpdate {
		// LS Updates are split into raw LSAs, kept byte for byte.
		var raws [][]byte
		if err := packet.RawLSAs(body[packet.HeaderLen:], func(_ int, lsa []byte) error {
			raws = append(raws, lsa)
			return nil
		}); err != nil {
			ifc.drop(DropMalformed, src, err)
			return
		}
		if nbr == nil {
			ifc.drop(DropUnknownNeighbor, src, nil)
			return
		}
		nbr.receiveLSU(raws, src)
		return
	}
	pk := &in.rx
	if err := pk.Decode(body); err != nil {
		ifc.drop(DropMalformed, src, err)
		return
	}
	if h.Type == packet.TypeHello {
		ifc.receiveHello(pk.Header, src, &pk.Hello, fresh)
		return
	}
	// §10.5, §10.6: other packets only from known neighbors.
	if nbr == nil {
		ifc.drop(DropUnknownNeighbor, src, nil)
		return
	}
	switch h.Type {
	case packet.TypeDatabaseDescription:
		nbr.receiveDD(&pk.DD, src)
	case packet.TypeLSRequest:
		nbr.receiveLSR(&pk.LSR, src)
	case packet.TypeLSAck:
		nbr.receiveAck(pk.LSAck.LSAHeaders, src)
	}
}

// authReason maps a verification error to its drop reason.
func authReason(err error) DropReason {
	switch {
	case errors.Is(err, packet.ErrAuthType):
		return DropAuthType
	case errors.Is(err, ErrReplay):
		return DropReplay
	case errors.Is(err, packet.ErrAuth):
		return DropAuth
	case errors.Is(err, packet.ErrChecksum):
		return DropChecksum
	}
	return DropMalformed
}
