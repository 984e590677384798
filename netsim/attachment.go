package netsim

import (
	"fmt"
	"net"
	"net/netip"
	"slices"
	"time"
)

// Attachment is one network interface of a node on a link or segment: an
// interface index unique in the whole network, a name unique on its node,
// a MAC address, IP addresses, and the transports opened on it.
type Attachment struct {
	net     *Network
	node    *Node
	link    *Link
	index   int
	name    string
	mac     net.HardwareAddr
	addrs   []netip.Prefix
	adminUp bool // false after Cut
	up      bool // carrier, recomputed by Network.refreshLink

	// downSeq counts transitions to down; a copy in flight is delivered
	// only if its receiver's downSeq did not move since transmit.
	downSeq    uint64
	downReason DropReason // why the last transition to down happened

	transports []*Transport
	watchers   []watcher
	stats      Stats

	txFree      time.Time                 // bandwidth: when the transmitter is free
	lastArrival map[*Attachment]time.Time // FIFO: latest arrival scheduled per receiver
}

type watcher struct {
	id uint64
	f  func(up bool)
}

// attach creates an attachment of node on l; the caller refreshes l.
func (n *Network) attach(l *Link, node *Node, name string, addrs []netip.Prefix) *Attachment {
	idx := n.nextIfIndex
	n.nextIfIndex++
	a := &Attachment{
		net:     n,
		node:    node,
		link:    l,
		index:   idx,
		name:    name,
		mac:     macFor(idx),
		addrs:   slices.Clone(addrs),
		adminUp: true,
	}
	n.atts = append(n.atts, a)
	node.atts = append(node.atts, a)
	l.atts = append(l.atts, a)
	// Every attachment starts down and refreshLink raises it, so that a
	// new attachment is in the same state as one that came back.
	return a
}

// macFor returns the deterministic, locally administered unicast MAC of
// interface index idx: 02:00:00 followed by the index in 24 bits.
func macFor(idx int) net.HardwareAddr {
	return net.HardwareAddr{0x02, 0x00, 0x00, byte(idx >> 16), byte(idx >> 8), byte(idx)}
}

// Index returns the interface index, unique across the network; received
// packets carry it in routing.Packet.IfIndex.
func (a *Attachment) Index() int { return a.index }

// Name returns the interface name, unique on the node.
func (a *Attachment) Name() string { return a.name }

// String returns "node/ifname".
func (a *Attachment) String() string { return a.node.name + "/" + a.name }

// Node returns the node the attachment belongs to.
func (a *Attachment) Node() *Node { return a.node }

// Link returns the link or segment the attachment is plugged into.
func (a *Attachment) Link() *Link { return a.link }

// MAC returns the attachment's MAC address (a copy).
func (a *Attachment) MAC() net.HardwareAddr { return slices.Clone(a.mac) }

// Peer returns the far end of a point-to-point link, or nil on a segment.
func (a *Attachment) Peer() *Attachment {
	if a.link.kind != PointToPoint {
		return nil
	}
	for _, b := range a.link.atts {
		if b != a {
			return b
		}
	}
	return nil
}

// Neighbor returns the other attachment on the same link that holds addr,
// or nil: where a packet forwarded to next hop addr out of a lands.
func (a *Attachment) Neighbor(addr netip.Addr) *Attachment {
	a.net.mu.Lock()
	defer a.net.mu.Unlock()
	for _, b := range a.link.atts {
		if b != a && b.hasAddrLocked(addr) {
			return b
		}
	}
	return nil
}

// Addrs returns the attachment's addresses in the order they were added.
func (a *Attachment) Addrs() []netip.Prefix {
	a.net.mu.Lock()
	defer a.net.mu.Unlock()
	return slices.Clone(a.addrs)
}

// HasAddr reports whether the attachment holds addr.
func (a *Attachment) HasAddr(addr netip.Addr) bool {
	a.net.mu.Lock()
	defer a.net.mu.Unlock()
	return a.hasAddrLocked(addr)
}

func (a *Attachment) hasAddrLocked(addr netip.Addr) bool {
	for _, p := range a.addrs {
		if p.Addr() == addr {
			return true
		}
	}
	return false
}

// AddAddr adds an address (address/prefix-length), like `ip addr add`:
// unicast packets to it are delivered here from now on (a VRRP master
// taking its virtual address, for example). An address the attachment
// already holds is an ErrDuplicate; the same address on several
// attachments is allowed and each receives a copy, as with a duplicate
// address on a real LAN.
func (a *Attachment) AddAddr(p netip.Prefix) error {
	if err := validPrefixes("AddAddr", []netip.Prefix{p}); err != nil {
		return err
	}
	a.net.mu.Lock()
	defer a.net.mu.Unlock()
	if a.hasAddrLocked(p.Addr()) {
		return fmt.Errorf("%w: address %v on %s", ErrDuplicate, p.Addr(), a)
	}
	a.addrs = append(a.addrs, p)
	return nil
}

// RemoveAddr removes the address addr, whatever its prefix length.
func (a *Attachment) RemoveAddr(addr netip.Addr) error {
	a.net.mu.Lock()
	defer a.net.mu.Unlock()
	for i, p := range a.addrs {
		if p.Addr() == addr {
			a.addrs = slices.Delete(a.addrs, i, i+1)
			return nil
		}
	}
	return fmt.Errorf("%w: address %v on %s", ErrNotFound, addr, a)
}

// Groups returns the multicast groups joined on the attachment by any of
// its open transports, sorted, without repetition.
func (a *Attachment) Groups() []netip.Addr {
	a.net.mu.Lock()
	defer a.net.mu.Unlock()
	var gs []netip.Addr
	for _, t := range a.transports {
		if !t.closed {
			gs = append(gs, t.groups...)
		}
	}
	slices.SortFunc(gs, netip.Addr.Compare)
	return slices.Compact(gs)
}

// Up reports whether the attachment has carrier: it is not cut, its link
// is not cut, its node is not crashed, and on a point-to-point link the
// same holds for the far end.
func (a *Attachment) Up() bool {
	a.net.mu.Lock()
	defer a.net.mu.Unlock()
	return a.up
}

// Cut unplugs this attachment only, like pulling its cable out of the
// NIC. On a point-to-point link both ends lose carrier; on a segment the
// other attachments keep talking. Cut of a cut attachment does nothing.
func (a *Attachment) Cut() {
	n := a.net
	n.mu.Lock()
	if a.adminUp {
		a.adminUp = false
		n.log.Info("netsim: attachment cut", "attachment", a.String())
		n.refreshLink(a.link)
	}
	n.unlock()
}

// Restore plugs a cut attachment back in.
func (a *Attachment) Restore() {
	n := a.net
	n.mu.Lock()
	if !a.adminUp {
		a.adminUp = true
		n.log.Info("netsim: attachment restored", "attachment", a.String())
		n.refreshLink(a.link)
	}
	n.unlock()
}

// IsCut reports whether the attachment itself is cut.
func (a *Attachment) IsCut() bool {
	a.net.mu.Lock()
	defer a.net.mu.Unlock()
	return !a.adminUp
}

// OnLinkState registers f to be called with the new carrier state each
// time the attachment goes down or comes back up, as a carrier-loss event
// from the kernel would tell a routing daemon (OSPF InterfaceDown, VRRP
// Shutdown...). It returns a function that unregisters f.
//
// f runs synchronously on the goroutine that caused the change (Cut,
// Restore, Crash, Restart...), after the network's lock is released, in
// the order the changes happened. It is never called while the
// attachment's node is crashed, so the crash itself is not reported to the
// crashed node (Restart is).
func (a *Attachment) OnLinkState(f func(up bool)) (cancel func()) {
	n := a.net
	n.mu.Lock()
	defer n.mu.Unlock()
	n.nextWatch++
	id := n.nextWatch
	a.watchers = append(a.watchers, watcher{id: id, f: f})
	return func() {
		n.mu.Lock()
		defer n.mu.Unlock()
		a.watchers = slices.DeleteFunc(a.watchers, func(w watcher) bool { return w.id == id })
	}
}

// Stats returns the attachment's counters (see Stats for what counts
// where).
func (a *Attachment) Stats() Stats {
	a.net.mu.Lock()
	defer a.net.mu.Unlock()
	return a.stats
}

// carrierLocked computes the carrier and, when down, the reason.
func (a *Attachment) carrierLocked() (bool, DropReason) {
	if a.node.crashed {
		return false, DropCrash
	}
	if !a.adminUp || a.link.cut {
		return false, DropCut
	}
	if a.link.kind == PointToPoint {
		if len(a.link.atts) < 2 {
			return false, DropCut // the far end was recabled away
		}
		for _, b := range a.link.atts {
			if b == a {
				continue
			}
			if b.node.crashed {
				return false, DropCrash
			}
			if !b.adminUp {
				return false, DropCut
			}
		}
	}
	return true, 0
}
