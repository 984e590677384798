package netsim

import (
	"fmt"
	"math"
	"net/netip"
	"slices"
	"time"
)

// DefaultMTU is the MTU of a link whose Conditions.MTU is zero (Ethernet).
const DefaultMTU = 1500

// minMTU is the smallest MTU accepted: the IPv4 minimum (RFC 791).
const minMTU = 68

// Conditions are the impairments of a link or segment. The zero value is a
// perfect link: no delay, no loss, MTU 1500.
//
// Each copy of a packet (one per receiving attachment) is handled on its
// own: it is lost with probability Loss; otherwise it arrives after
// serialisation (when Bandwidth is set) plus Latency plus a uniform random
// jitter in [0, Jitter]; with probability Reorder it is held back an extra
// ReorderDelay; with probability Duplicate a second copy arrives right
// after it. Copies from one attachment to another stay in order (FIFO)
// unless they are reordered: jitter alone never reorders, as on a cable.
type Conditions struct {
	// Latency is the fixed one-way delay.
	Latency time.Duration
	// Jitter is the upper bound of the uniform random delay added to
	// Latency.
	Jitter time.Duration
	// Loss is the probability, in [0, 1], that a copy is lost.
	Loss float64
	// Duplicate is the probability, in [0, 1], that a copy is delivered
	// twice.
	Duplicate float64
	// Reorder is the probability, in [0, 1], that a copy is held back by
	// ReorderDelay, letting later packets overtake it.
	Reorder float64
	// ReorderDelay is the extra delay of a reordered copy; zero means
	// Latency + Jitter + 1 ms.
	ReorderDelay time.Duration
	// MTU is the largest IP packet (IP header, UDP header if any, payload)
	// the link carries; bigger ones are dropped (DropMTU). Zero means
	// DefaultMTU; otherwise 68 to 65535.
	MTU int
	// Bandwidth, in bits per second, adds serialisation delay per sending
	// attachment (Ethernet header included, queue unbounded); zero means
	// infinite.
	Bandwidth int64
}

// Validate reports the first field out of range, wrapped in
// ErrInvalidConfig.
func (c Conditions) Validate() error {
	bad := func(field string, v any, why string) error {
		return fmt.Errorf("%w: Conditions.%s = %v: %s", ErrInvalidConfig, field, v, why)
	}
	prob := func(field string, p float64) error {
		if math.IsNaN(p) || p < 0 || p > 1 {
			return bad(field, p, "must be a probability in [0, 1]")
		}
		return nil
	}
	switch {
	case c.Latency < 0:
		return bad("Latency", c.Latency, "must not be negative")
	case c.Jitter < 0:
		return bad("Jitter", c.Jitter, "must not be negative")
	case c.ReorderDelay < 0:
		return bad("ReorderDelay", c.ReorderDelay, "must not be negative")
	case c.MTU != 0 && (c.MTU < minMTU || c.MTU > 65535):
		return bad("MTU", c.MTU, "must be 0 (1500) or 68..65535")
	case c.Bandwidth < 0:
		return bad("Bandwidth", c.Bandwidth, "must not be negative")
	}
	if err := prob("Loss", c.Loss); err != nil {
		return err
	}
	if err := prob("Duplicate", c.Duplicate); err != nil {
		return err
	}
	return prob("Reorder", c.Reorder)
}

func (c Conditions) mtu() int {
	if c.MTU == 0 {
		return DefaultMTU
	}
	return c.MTU
}

func (c Conditions) reorderDelay() time.Duration {
	if c.ReorderDelay == 0 {
		return c.Latency + c.Jitter + time.Millisecond
	}
	return c.ReorderDelay
}

// LinkConfig configures a point-to-point link made by Network.Link.
type LinkConfig struct {
	// Name names the link (and its pcapng interface); empty means
	// "<a>/<aif>-<b>/<bif>". It must be unique among links and segments.
	Name string
	// AName and BName are the interface names of the two ends; empty
	// means "eth<k>", the first free k on that node.
	AName, BName string
	// AAddrs and BAddrs are the addresses of the two ends, as
	// address/prefix-length (like `ip addr add`).
	AAddrs, BAddrs []netip.Prefix
	// Conditions are the link's impairments.
	Conditions
}

// SegmentConfig configures a broadcast segment made by Network.Segment:
// think of a switch whose ports are the attachments.
type SegmentConfig struct {
	// Conditions are the segment's impairments, applied per receiving
	// attachment.
	Conditions
}

// LinkKind tells point-to-point links from broadcast segments.
type LinkKind int

const (
	// PointToPoint is a cable between exactly two attachments. Carrier
	// needs both ends: cutting or crashing either end takes both down.
	PointToPoint LinkKind = iota
	// Broadcast is a segment (a switch) with any number of attachments.
	// An attachment's carrier depends only on itself and the segment.
	Broadcast
)

func (k LinkKind) String() string {
	switch k {
	case PointToPoint:
		return "point-to-point"
	case Broadcast:
		return "broadcast"
	}
	return fmt.Sprintf("LinkKind(%d)", int(k))
}

// Link is a medium joining attachments: a point-to-point link or a
// broadcast segment.
type Link struct {
	net   *Network
	id    int // creation order, index in Network.links
	name  string
	kind  LinkKind
	cond  Conditions
	cut   bool
	atts  []*Attachment
	stats Stats
}

// Link joins nodes a and b with a point-to-point link and returns its two
// ends: a's attachment, then b's. a and b may be the same node (a loop
// cable between two of its interfaces).
func (n *Network) Link(a, b *Node, cfg LinkConfig) (*Attachment, *Attachment, error) {
	if a == nil || b == nil {
		return nil, nil, fmt.Errorf("%w: Link with a nil node", ErrInvalidConfig)
	}
	if err := cfg.Conditions.Validate(); err != nil {
		return nil, nil, err
	}
	if err := validPrefixes("LinkConfig.AAddrs", cfg.AAddrs); err != nil {
		return nil, nil, err
	}
	if err := validPrefixes("LinkConfig.BAddrs", cfg.BAddrs); err != nil {
		return nil, nil, err
	}
	n.mu.Lock()
	defer n.unlock()
	if a.net != n || b.net != n {
		return nil, nil, fmt.Errorf("%w: node of Link", ErrForeign)
	}
	aName, err := ifName(a, cfg.AName, "")
	if err != nil {
		return nil, nil, err
	}
	bName, err := ifName(b, cfg.BName, aNameIfSame(a, b, aName))
	if err != nil {
		return nil, nil, err
	}
	name := cfg.Name
	if name == "" {
		name = a.name + "/" + aName + "-" + b.name + "/" + bName
	}
	if n.linkByName[name] != nil {
		return nil, nil, fmt.Errorf("%w: link name %q", ErrDuplicate, name)
	}
	l := n.newLink(name, PointToPoint, cfg.Conditions)
	ea := n.attach(l, a, aName, cfg.AAddrs)
	eb := n.attach(l, b, bName, cfg.BAddrs)
	n.refreshLink(l)
	return ea, eb, nil
}

// aNameIfSame returns the name just chosen on node a when b is the same
// node, so that the second default name skips it.
func aNameIfSame(a, b *Node, aName string) string {
	if a == b {
		return aName
	}
	return ""
}

// Segment creates an empty broadcast segment called name; Attach adds
// attachments to it.
func (n *Network) Segment(name string, cfg SegmentConfig) (*Link, error) {
	if name == "" {
		return nil, fmt.Errorf("%w: Segment name is empty", ErrInvalidConfig)
	}
	if err := cfg.Conditions.Validate(); err != nil {
		return nil, err
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.linkByName[name] != nil {
		return nil, fmt.Errorf("%w: link name %q", ErrDuplicate, name)
	}
	return n.newLink(name, Broadcast, cfg.Conditions), nil
}

func (n *Network) newLink(name string, kind LinkKind, c Conditions) *Link {
	l := &Link{net: n, id: len(n.links), name: name, kind: kind, cond: c}
	n.links = append(n.links, l)
	n.linkByName[name] = l
	for _, c := range n.captures {
		c.addLinkLocked(l)
	}
	return l
}

// Attach plugs node into the segment with a new attachment called ifname
// (empty means "eth<k>", the first free k) holding addrs.
func (l *Link) Attach(node *Node, ifname string, addrs ...netip.Prefix) (*Attachment, error) {
	if node == nil {
		return nil, fmt.Errorf("%w: Attach with a nil node", ErrInvalidConfig)
	}
	if err := validPrefixes("Attach addrs", addrs); err != nil {
		return nil, err
	}
	n := l.net
	n.mu.Lock()
	defer n.unlock()
	if node.net != n {
		return nil, fmt.Errorf("%w: node %s", ErrForeign, node.name)
	}
	if l.kind == PointToPoint {
		return nil, fmt.Errorf("%w: %s", ErrPointToPoint, l.name)
	}
	name, err := ifName(node, ifname, "")
	if err != nil {
		return nil, err
	}
	a := n.attach(l, node, name, addrs)
	n.refreshLink(l)
	return a, nil
}

// ifName returns want if it is free on node, or the first free "eth<k>"
// (skipping taken, an unregistered name about to be used) when want is
// empty.
func ifName(node *Node, want, taken string) (string, error) {
	if want != "" {
		if node.attachmentLocked(want) != nil || want == taken {
			return "", fmt.Errorf("%w: interface %s/%s", ErrDuplicate, node.name, want)
		}
		return want, nil
	}
	for k := 0; ; k++ {
		name := fmt.Sprintf("eth%d", k)
		if node.attachmentLocked(name) == nil && name != taken {
			return name, nil
		}
	}
}

func validPrefixes(field string, ps []netip.Prefix) error {
	for i, p := range ps {
		if !p.IsValid() || p.Addr().Is4In6() || p.Addr().Zone() != "" {
			return fmt.Errorf("%w: %s[%d] = %v: not a valid IPv4 or IPv6 address/prefix", ErrInvalidConfig, field, i, p)
		}
		for _, q := range ps[:i] {
			if q.Addr() == p.Addr() {
				return fmt.Errorf("%w: %s[%d]: address %v listed twice", ErrDuplicate, field, i, p.Addr())
			}
		}
	}
	return nil
}

// Name returns the link's name.
func (l *Link) Name() string { return l.name }

func (l *Link) String() string { return l.name }

// Kind tells a point-to-point link from a broadcast segment.
func (l *Link) Kind() LinkKind { return l.kind }

// Attachments returns the link's attachments in the order they were made.
func (l *Link) Attachments() []*Attachment {
	l.net.mu.Lock()
	defer l.net.mu.Unlock()
	return append([]*Attachment(nil), l.atts...)
}

// Conditions returns the link's current impairments.
func (l *Link) Conditions() Conditions {
	l.net.mu.Lock()
	defer l.net.mu.Unlock()
	return l.cond
}

// SetConditions changes the link's impairments. Packets already in flight
// keep the delay they were given.
func (l *Link) SetConditions(c Conditions) error {
	if err := c.Validate(); err != nil {
		return err
	}
	l.net.mu.Lock()
	defer l.net.mu.Unlock()
	l.cond = c
	return nil
}

// Cut takes the whole link down, like pulling the cable or powering off
// the switch: every attachment loses carrier (callbacks are told), sends
// are dropped (DropCut) and so are copies in flight, now or when they
// would arrive. Cut of a cut link does nothing.
func (l *Link) Cut() {
	n := l.net
	n.mu.Lock()
	if !l.cut {
		l.cut = true
		n.log.Info("netsim: link cut", "link", l.name)
		n.refreshLink(l)
	}
	n.unlock()
}

// Restore brings a cut link back. Copies that were in flight during the
// cut stay lost. Restore of a link that is not cut does nothing.
func (l *Link) Restore() {
	n := l.net
	n.mu.Lock()
	if l.cut {
		l.cut = false
		n.log.Info("netsim: link restored", "link", l.name)
		n.refreshLink(l)
	}
	n.unlock()
}

// IsCut reports whether the link itself is cut (attachments may be down
// for other reasons; ask Attachment.Up).
func (l *Link) IsCut() bool {
	l.net.mu.Lock()
	defer l.net.mu.Unlock()
	return l.cut
}

// Stats returns the link's counters.
func (l *Link) Stats() Stats {
	l.net.mu.Lock()
	defer l.net.mu.Unlock()
	return l.stats
}

// Owner returns the first attachment of the link, in creation order, that
// holds addr, or nil: the next hop a tracer reaches through this link.
func (l *Link) Owner(addr netip.Addr) *Attachment {
	l.net.mu.Lock()
	defer l.net.mu.Unlock()
	for _, a := range l.atts {
		if a.hasAddrLocked(addr) {
			return a
		}
	}
	return nil
}

// Recable moves the point-to-point attachments a and b off their links
// and cables them to each other with a new point-to-point link called
// name (empty: as Link names it) with conditions c, as an operator moves
// two cables to join two NICs: each keeps its interface index, name, MAC,
// addresses and transports; the ends left behind on the old links lose
// carrier (their OnLinkState watchers hear it), and a and b come up unless
// one is cut or its node crashed. Copies in flight on the old links are
// dropped as for a carrier loss. a and b must be distinct attachments of
// this network on point-to-point links; they may belong to one node.
func (n *Network) Recable(a, b *Attachment, name string, c Conditions) (*Link, error) {
	if a == nil || b == nil {
		return nil, fmt.Errorf("%w: Recable with a nil attachment", ErrInvalidConfig)
	}
	if a == b {
		return nil, fmt.Errorf("%w: Recable of %s to itself", ErrInvalidConfig, a)
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	n.mu.Lock()
	defer n.unlock()
	if a.net != n || b.net != n {
		return nil, fmt.Errorf("%w: attachment of Recable", ErrForeign)
	}
	for _, x := range []*Attachment{a, b} {
		if x.link.kind != PointToPoint {
			return nil, fmt.Errorf("%w: Recable of %s, which is on segment %s", ErrInvalidConfig, x, x.link.name)
		}
	}
	if name == "" {
		name = a.node.name + "/" + a.name + "-" + b.node.name + "/" + b.name
	}
	if n.linkByName[name] != nil {
		return nil, fmt.Errorf("%w: link name %q", ErrDuplicate, name)
	}
	l := n.newLink(name, PointToPoint, c)
	for _, x := range []*Attachment{a, b} {
		old := x.link
		old.atts = slices.DeleteFunc(old.atts, func(y *Attachment) bool { return y == x })
		x.link = l
		l.atts = append(l.atts, x)
		// x leaves carrier-down first, so that in-flight copies to it are
		// dropped (downSeq) and its watchers see the cable move.
		if x.up {
			x.up = false
			x.downSeq++
			x.downReason = DropCut
			n.log.Info("netsim: carrier", "attachment", x.String(), "up", false)
			if !x.node.crashed {
				for _, w := range x.watchers {
					n.notes = append(n.notes, note{f: w.f, up: false})
				}
			}
		}
		n.refreshLink(old)
	}
	n.refreshLink(l)
	n.log.Info("netsim: recabled", "a", a.String(), "b", b.String(), "link", name)
	return l, nil
}
