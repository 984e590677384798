package netsim

import (
	"bytes"
	"net/netip"
	"time"

	"github.com/switchless/routing"
)

// dstKind classifies a destination address.
type dstKind uint8

const (
	dstUnicast dstKind = iota
	dstMulticast
	dstBroadcast
)

// frame is one packet put on a link by one Send. It is shared, read-only,
// by every copy scheduled for it.
type frame struct {
	from    *Attachment
	cfg     TransportConfig // protocol identity: IPProto/UDPPort (the destination port), family
	sport   uint16          // UDP source port; 0 for raw IP
	kind    dstKind
	src     netip.Addr
	dst     netip.Addr
	ttl     uint8
	tos     uint8
	id      uint16 // IPv4 identification
	size    int    // IP packet length, headers included
	payload []byte
}

// classifyLocked tells unicast from multicast and IPv4 broadcast, the
// limited one or the subnet-directed one of a's own prefixes.
func classifyLocked(a *Attachment, dst netip.Addr) dstKind {
	if dst.IsMulticast() {
		return dstMulticast
	}
	if dst.Is4() {
		if dst == netip.AddrFrom4([4]byte{255, 255, 255, 255}) {
			return dstBroadcast
		}
		for _, p := range a.addrs {
			if p.Addr().Is4() && p.Bits() <= 30 && dst == lastAddr(p) {
				return dstBroadcast
			}
		}
	}
	return dstUnicast
}

// lastAddr returns the highest address of IPv4 prefix p.
func lastAddr(p netip.Prefix) netip.Addr {
	b := p.Masked().Addr().As4()
	for i := p.Bits(); i < 32; i++ {
		b[i/8] |= 0x80 >> (i % 8)
	}
	return netip.AddrFrom4(b)
}

// takesLocked reports whether attachment b would take a packet of protocol
// c to dst: it owns dst (unicast) and has an open transport of that
// protocol and family (joined to dst, for multicast).
func (b *Attachment) takesLocked(c TransportConfig, dst netip.Addr, k dstKind, needStarted bool) bool {
	if k == dstUnicast && !b.hasAddrLocked(dst) {
		return false
	}
	for _, t := range b.transports {
		if (t.started || !needStarted) && t.listensLocked(c, dst, k) {
			return true
		}
	}
	return false
}

// sendLocked puts one packet of transport t on its link and schedules a
// clock timer per copy. Receivers are chosen now, in attachment order, and
// the random draws of each copy are made in a fixed order (loss, jitter,
// reordering, duplication; a draw only when its probability is not zero),
// so a run is reproducible from its seed.
func (n *Network) sendLocked(t *Transport, src, dst netip.Addr, dport uint16, payload []byte, size int) {
	a := t.att
	// The frame's protocol identity carries the destination port: it is
	// what receivers match on.
	cfg := t.cfg
	cfg.UDPPort = dport
	l := a.link
	a.stats.Sent++
	l.stats.Sent++
	if !a.up {
		n.dropLocked(a, a.downReason, cfg, dst)
		return
	}
	c := l.cond
	if size > c.mtu() {
		n.dropLocked(a, DropMTU, cfg, dst)
		return
	}
	kind := classifyLocked(a, dst)
	rcv := n.rcvScratch[:0]
	for _, b := range l.atts {
		if b != a && b.takesLocked(cfg, dst, kind, false) {
			rcv = append(rcv, b)
		}
	}
	n.rcvScratch = rcv[:0]
	if len(rcv) == 0 {
		n.dropLocked(a, DropNoListener, cfg, dst)
		return
	}
	n.ipID++
	f := &frame{
		from:    a,
		cfg:     cfg,
		sport:   t.cfg.srcPort(),
		kind:    kind,
		src:     src,
		dst:     dst,
		ttl:     cfg.ttl(kind != dstUnicast),
		tos:     cfg.tos(),
		id:      n.ipID,
		size:    size,
		payload: bytes.Clone(payload),
	}
	if f.payload == nil {
		f.payload = []byte{}
	}
	now := n.clock.Now()
	depart := now
	if c.Bandwidth > 0 {
		bits := int64(ethHeaderLen+size) * 8
		ser := time.Duration((bits*int64(time.Second) + c.Bandwidth - 1) / c.Bandwidth)
		start := now
		if a.txFree.After(start) {
			start = a.txFree
		}
		a.txFree = start.Add(ser)
		depart = a.txFree
	}
	for _, b := range rcv {
		if !b.up {
			n.dropLocked(b, b.downReason, cfg, dst)
			continue
		}
		if c.Loss > 0 && n.rng.Float64() < c.Loss {
			n.dropLocked(b, DropLoss, cfg, dst)
			continue
		}
		delay := c.Latency
		if c.Jitter > 0 {
			delay += time.Duration(n.rng.Int64N(int64(c.Jitter) + 1))
		}
		arrival := depart.Add(delay)
		if c.Reorder > 0 && n.rng.Float64() < c.Reorder {
			// Held back; later packets overtake it and the FIFO mark
			// stays where it was.
			arrival = arrival.Add(c.reorderDelay())
			b.stats.Reordered++
			l.stats.Reordered++
		} else {
			if a.lastArrival == nil {
				a.lastArrival = make(map[*Attachment]time.Time)
			}
			if last := a.lastArrival[b]; arrival.Before(last) {
				arrival = last
			}
			a.lastArrival[b] = arrival
		}
		n.scheduleLocked(f, b, arrival.Sub(now))
		if c.Duplicate > 0 && n.rng.Float64() < c.Duplicate {
			b.stats.Duplicated++
			l.stats.Duplicated++
			n.scheduleLocked(f, b, arrival.Sub(now))
		}
	}
}

// scheduleLocked arms the timer delivering one copy of f to b.
func (n *Network) scheduleLocked(f *frame, b *Attachment, d time.Duration) {
	seq := b.downSeq
	n.clock.AfterFunc(d, func() { n.arrive(f, b, seq) })
}

// arrive delivers one copy of f to attachment b, unless b lost carrier
// since transmit (downSeq moved) or nothing there takes it any more.
func (n *Network) arrive(f *frame, b *Attachment, seq uint64) {
	n.mu.Lock()
	if b.downSeq != seq {
		n.dropLocked(b, b.downReason, f.cfg, f.dst)
		n.mu.Unlock()
		return
	}
	var tsBuf [4]*Transport
	ts := tsBuf[:0]
	if f.kind != dstUnicast || b.hasAddrLocked(f.dst) {
		for _, t := range b.transports {
			if t.started && t.listensLocked(f.cfg, f.dst, f.kind) {
				ts = append(ts, t)
			}
		}
	}
	if len(ts) == 0 {
		n.dropLocked(b, DropNoListener, f.cfg, f.dst)
		n.mu.Unlock()
		return
	}
	b.stats.Delivered++
	b.link.stats.Delivered++
	for _, c := range n.captures {
		c.recordLocked(f, b)
	}
	n.mu.Unlock()
	for _, t := range ts {
		n.mu.Lock()
		deliver := t.deliver // nil once closed, even by an earlier callback
		n.rxBuf = append(n.rxBuf[:0], f.payload...)
		payload := n.rxBuf
		n.mu.Unlock()
		if deliver == nil {
			continue
		}
		deliver(routing.Packet{
			IfIndex: b.index,
			Src:     f.src,
			Dst:     f.dst,
			SrcPort: f.sport,
			TTL:     f.ttl,
			Payload: payload,
		})
	}
}

// dropLocked counts a drop on attachment at and its link.
func (n *Network) dropLocked(at *Attachment, r DropReason, c TransportConfig, dst netip.Addr) {
	at.stats.Dropped[r]++
	at.link.stats.Dropped[r]++
	if n.debug() {
		n.log.Debug("netsim: drop", "attachment", at.String(), "reason", r.String(),
			"proto", c.wireProto(), "port", c.UDPPort, "dst", dst)
	}
}
