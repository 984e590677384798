//go:build linux

package ring

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

// Reconfigure applies cfg to the running node (Node.Reconfigure) and, for
// a ring interface the new spec re-addresses (a node was cabled in next
// to it: PlanGrowth), moves the interface's address first: the new
// address is added beside the old one, the node reconfigured (its OSPF
// and BFD sockets send from the new address; Node.Reconfigure refuses
// while the interface's cable is in), and only then the old address
// removed. On any error the new address is removed again and nothing has
// changed.
func (h *HostNode) Reconfigure(ctx context.Context, cfg NodeConfig) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	type move struct {
		name     string
		link     netlink.Link
		was, now netip.Prefix
	}
	var moves []move
	for _, kind := range []string{IfEast, IfWest} {
		was, ok1 := h.cfg.Interface(kind)
		now, ok2 := cfg.Interface(kind)
		if !ok1 || !ok2 || was.Prefix == now.Prefix {
			continue
		}
		l, err := netlink.LinkByIndex(h.idx[kind])
		if err != nil {
			return fmt.Errorf("ring: interface %s: %w", h.hc.Interfaces[kind], err)
		}
		moves = append(moves, move{kind, l, was.Prefix, now.Prefix})
	}
	var moved, added []move // added: by us, not there before
	undo := func() {
		for _, m := range added {
			if err := netlink.AddrDel(m.link, nlAddr(m.now)); err != nil {
				h.log.Warn("ring: reconfigure: remove the new address again", "interface", m.name, "prefix", m.now, "err", err)
			}
		}
	}
	for _, m := range moves {
		if h.node.ringIfaceUp(m.name) != "" {
			break // Node.Reconfigure refuses it with the reason
		}
		switch err := netlink.AddrAdd(m.link, nlAddr(m.now)); {
		case errors.Is(err, unix.EEXIST):
		case err != nil:
			undo()
			return fmt.Errorf("ring: add %v to %s: %w", m.now, h.hc.Interfaces[m.name], err)
		default:
			added = append(added, m)
		}
		moved = append(moved, m)
	}
	if err := h.node.Reconfigure(ctx, cfg, nil); err != nil {
		undo()
		return err
	}
	for _, m := range moved {
		if err := netlink.AddrDel(m.link, nlAddr(m.was)); err != nil {
			h.log.Warn("ring: reconfigure: remove the old address", "interface", m.name, "prefix", m.was, "err", err)
		}
		h.log.Info("ring: interface re-addressed", "interface", m.name, "linux", h.hc.Interfaces[m.name], "from", m.was, "to", m.now)
	}
	h.cfg = cfg
	return nil
}

// nlAddr is p as netlink wants it.
func nlAddr(p netip.Prefix) *netlink.Addr {
	return &netlink.Addr{IPNet: &net.IPNet{IP: p.Addr().AsSlice(), Mask: net.CIDRMask(p.Bits(), 32)}}
}
