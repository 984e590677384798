package netsim

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/netip"
	"sync"

	"github.com/switchless/routing"
)

// firstIfIndex is the first interface index handed out; 1 is left to a
// loopback, as on Linux.
const firstIfIndex = 2

// rngStream is the second PCG word: the seed picks the first, so that
// seeds 0, 1, 2... give unrelated streams.
const rngStream = 0x6e657473696d2121 // "netsim!!"

// Network is a simulated network of nodes, point-to-point links and
// broadcast segments, driven by a routing.ManualClock. Every delivered copy
// of a packet is one clock timer, so delivery order is (time, arming
// order) and a run is a pure function of the seed and the sequence of
// calls made on the network and the clock.
//
// All methods are safe for concurrent use; determinism needs one goroutine
// driving the clock (see the package documentation).
type Network struct {
	clock *routing.ManualClock
	log   *slog.Logger

	mu          sync.Mutex
	rng         *rand.Rand
	nodes       []*Node
	nodeByName  map[string]*Node
	links       []*Link
	linkByName  map[string]*Link
	atts        []*Attachment // by creation order, which is ifindex order
	nextIfIndex int
	ipID        uint16 // IPv4 identification, one per Send on the network
	captures    []*Capture
	nextWatch   uint64
	notes       []note        // link-state callbacks to run after unlock
	rxBuf       []byte        // payload handed to deliver callbacks
	rcvScratch  []*Attachment // receivers of the Send in progress
	frameBuf    []byte        // pcapng frame being built
}

// note is one pending link-state callback.
type note struct {
	f  func(up bool)
	up bool
}

// New returns an empty network on clock. The seed fixes every random draw
// (loss, jitter, duplication, reordering); log receives state changes at
// Info and drops at Debug, and nil discards.
func New(clock *routing.ManualClock, seed int64, log *slog.Logger) *Network {
	if clock == nil {
		panic("netsim: New with a nil clock")
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Network{
		clock:       clock,
		log:         log,
		rng:         rand.New(rand.NewPCG(uint64(seed), rngStream)),
		nodeByName:  make(map[string]*Node),
		linkByName:  make(map[string]*Link),
		nextIfIndex: firstIfIndex,
	}
}

// Clock returns the clock the network runs on.
func (n *Network) Clock() *routing.ManualClock { return n.clock }

// Node returns the node called name, creating it on first use. It panics
// on an empty name, which is a programming error.
func (n *Network) Node(name string) *Node {
	if name == "" {
		panic("netsim: Node with an empty name")
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if nd := n.nodeByName[name]; nd != nil {
		return nd
	}
	nd := &Node{net: n, name: name}
	n.nodes = append(n.nodes, nd)
	n.nodeByName[name] = nd
	return nd
}

// Nodes returns every node in creation order.
func (n *Network) Nodes() []*Node {
	n.mu.Lock()
	defer n.mu.Unlock()
	return append([]*Node(nil), n.nodes...)
}

// Links returns every link and segment in creation order: with
// Link.Attachments and Attachment.Up, the graph a data-plane tracer walks.
func (n *Network) Links() []*Link {
	n.mu.Lock()
	defer n.mu.Unlock()
	return append([]*Link(nil), n.links...)
}

// LinkByName returns the link or segment called name, or nil.
func (n *Network) LinkByName(name string) *Link {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.linkByName[name]
}

// Attachment returns the attachment with interface index ifindex, or nil.
// Interface indexes are unique across the whole network.
func (n *Network) Attachment(ifindex int) *Attachment {
	n.mu.Lock()
	defer n.mu.Unlock()
	i := ifindex - firstIfIndex
	if i < 0 || i >= len(n.atts) {
		return nil
	}
	return n.atts[i]
}

// Stats returns the counters summed over every link.
func (n *Network) Stats() Stats {
	n.mu.Lock()
	defer n.mu.Unlock()
	var s Stats
	for _, l := range n.links {
		s.Sent += l.stats.Sent
		s.Delivered += l.stats.Delivered
		s.Duplicated += l.stats.Duplicated
		s.Reordered += l.stats.Reordered
		for r := range s.Dropped {
			s.Dropped[r] += l.stats.Dropped[r]
		}
	}
	return s
}

// unlock releases the network lock and then runs the link-state callbacks
// queued while it was held, in the order the changes happened.
func (n *Network) unlock() {
	notes := n.notes
	n.notes = nil
	n.mu.Unlock()
	for _, nt := range notes {
		nt.f(nt.up)
	}
}

// debug reports whether Debug records would be written, so that hot paths
// build no attributes for a discarding logger.
func (n *Network) debug() bool {
	return n.log.Enabled(context.Background(), slog.LevelDebug)
}

// Node is a simulated host or router: a name and its attachments. Crashing
// it silences all its attachments at once.
type Node struct {
	net     *Network
	name    string
	crashed bool
	atts    []*Attachment
}

// Name returns the node's name.
func (nd *Node) Name() string { return nd.name }

func (nd *Node) String() string { return nd.name }

// Network returns the network the node belongs to.
func (nd *Node) Network() *Network { return nd.net }

// Attachments returns the node's attachments in creation order.
func (nd *Node) Attachments() []*Attachment {
	nd.net.mu.Lock()
	defer nd.net.mu.Unlock()
	return append([]*Attachment(nil), nd.atts...)
}

// Attachment returns the node's attachment called ifname, or nil.
func (nd *Node) Attachment(ifname string) *Attachment {
	nd.net.mu.Lock()
	defer nd.net.mu.Unlock()
	return nd.attachmentLocked(ifname)
}

func (nd *Node) attachmentLocked(ifname string) *Attachment {
	for _, a := range nd.atts {
		if a.name == ifname {
			return a
		}
	}
	return nil
}

// Owner returns the node's attachment that holds address addr, or nil.
func (nd *Node) Owner(addr netip.Addr) *Attachment {
	nd.net.mu.Lock()
	defer nd.net.mu.Unlock()
	for _, a := range nd.atts {
		if a.hasAddrLocked(addr) {
			return a
		}
	}
	return nil
}

// Crashed reports whether the node is crashed.
func (nd *Node) Crashed() bool {
	nd.net.mu.Lock()
	defer nd.net.mu.Unlock()
	return nd.crashed
}

// Crash powers the node off: its attachments lose carrier, stop sending
// (Send succeeds and the packet is counted as DropCrash) and stop
// receiving (copies in flight to it are dropped, deliver callbacks are not
// called). Transports stay open, groups stay joined and addresses stay
// configured, so Restart brings everything back; protocol instances are
// not touched and the test stops or restarts them as it models the crash.
//
// Link-state callbacks of the crashed node itself are not called (nothing
// runs on a dead node); the far ends of its point-to-point links see their
// carrier go down. Crash of a crashed node does nothing.
func (nd *Node) Crash() {
	n := nd.net
	n.mu.Lock()
	if !nd.crashed {
		nd.crashed = true
		n.log.Info("netsim: node crashed", "node", nd.name)
		n.refreshNode(nd)
	}
	n.unlock()
}

// Restart powers a crashed node back on. Its attachments regain carrier
// unless cut, and link-state callbacks report it, on the node and on the
// far ends of its point-to-point links. Restart of a running node does
// nothing.
func (nd *Node) Restart() {
	n := nd.net
	n.mu.Lock()
	if nd.crashed {
		nd.crashed = false
		n.log.Info("netsim: node restarted", "node", nd.name)
		n.refreshNode(nd)
	}
	n.unlock()
}

// refreshNode recomputes the carrier of every attachment on every link the
// node is attached to.
func (n *Network) refreshNode(nd *Node) {
	for _, a := range nd.atts {
		n.refreshLink(a.link)
	}
}

// refreshLink recomputes the carrier of every attachment of l, counting
// down transitions and queueing callbacks.
func (n *Network) refreshLink(l *Link) {
	for _, a := range l.atts {
		up, reason := a.carrierLocked()
		if !up {
			a.downReason = reason // the latest cause, even without a transition
		}
		if up == a.up {
			continue
		}
		a.up = up
		if !up {
			a.downSeq++
		}
		n.log.Info("netsim: carrier", "attachment", a.String(), "up", up)
		if a.node.crashed {
			continue // nobody is listening on a dead node
		}
		for _, w := range a.watchers {
			n.notes = append(n.notes, note{f: w.f, up: up})
		}
	}
}

func (n *Network) String() string {
	n.mu.Lock()
	defer n.mu.Unlock()
	return fmt.Sprintf("netsim.Network{%d nodes, %d links}", len(n.nodes), len(n.links))
}
