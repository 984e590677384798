package netsim

import (
	"fmt"
	"io"
	"net"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

// captureApplication is the only section-header option written: no
// hardware, OS or wall-clock field, so captures are byte-for-byte
// reproducible on any machine.
const captureApplication = "github.com/switchless/routing/netsim"

// Capture writes the packets delivered on a network to a pcapng stream.
//
// What is recorded: every copy handed to a receiving attachment, at the
// moment of delivery (after latency, loss, MTU, cut and crash decisions),
// timestamped with the virtual clock. A multicast delivered to three
// attachments of a segment is three records, each with the receiver in
// its comment ("from r1/eth0 to r2/eth0") and the inbound direction flag;
// copies that were dropped are not recorded. Each record is an Ethernet
// frame with the sender's MAC, the receiver's (or the group's, or
// broadcast) MAC, a full IPv4 or IPv6 header with correct checksum, and a
// UDP header with correct checksum for UDP transports.
//
// Each link or segment is one pcapng interface (named after the link,
// link type Ethernet), in creation order; links created after the capture
// started get theirs when they are created.
type Capture struct {
	net    *Network
	out    io.Writer
	w      *pcapgo.NgWriter // nil until the first interface
	ids    map[*Link]int
	closed bool
	err    error
}

// CapturePcapng starts recording delivered packets to w in pcapng format
// until Close. Several captures may run at once.
func (n *Network) CapturePcapng(w io.Writer) (*Capture, error) {
	if w == nil {
		return nil, fmt.Errorf("%w: CapturePcapng with a nil writer", ErrInvalidConfig)
	}
	c := &Capture{net: n, out: w, ids: make(map[*Link]int)}
	n.mu.Lock()
	defer n.mu.Unlock()
	for _, l := range n.links {
		c.addLinkLocked(l)
	}
	if c.err != nil {
		return nil, c.err
	}
	n.captures = append(n.captures, c)
	return c, nil
}

func linkInterface(l *Link) pcapgo.NgInterface {
	return pcapgo.NgInterface{
		Name:                l.name,
		Description:         "netsim " + l.kind.String() + " link",
		LinkType:            layers.LinkTypeEthernet,
		TimestampResolution: 9,
	}
}

// addLinkLocked adds the pcapng interface of l, writing the section header
// first if this is the first interface.
func (c *Capture) addLinkLocked(l *Link) {
	if c.err != nil || c.closed {
		return
	}
	intf := linkInterface(l)
	if c.w == nil {
		w, err := pcapgo.NewNgWriterInterface(c.out, intf, pcapgo.NgWriterOptions{
			SectionInfo: pcapgo.NgSectionInfo{Application: captureApplication},
		})
		if err != nil {
			c.err = fmt.Errorf("netsim: pcapng header: %w", err)
			return
		}
		c.w = w
		c.ids[l] = 0
		return
	}
	id, err := c.w.AddInterface(intf)
	if err != nil {
		c.err = fmt.Errorf("netsim: pcapng interface %s: %w", l.name, err)
		return
	}
	c.ids[l] = id
}

// recordLocked writes one delivered copy.
func (c *Capture) recordLocked(f *frame, b *Attachment) {
	if c.err != nil || c.w == nil {
		return
	}
	n := c.net
	n.frameBuf = appendFrame(n.frameBuf[:0], f, b)
	ts := n.clock.Now()
	err := c.w.WritePacketWithOptions(gopacket.CaptureInfo{
		Timestamp:      ts,
		CaptureLength:  len(n.frameBuf),
		Length:         len(n.frameBuf),
		InterfaceIndex: c.ids[b.link],
	}, n.frameBuf, pcapgo.NgPacketOptions{
		Comments: []string{"from " + f.from.String() + " to " + b.String()},
		Flags:    &pcapgo.NgEpbFlags{Direction: pcapgo.NgEpbFlagDirectionInbound},
	})
	if err != nil {
		c.err = fmt.Errorf("netsim: pcapng packet: %w", err)
	}
}

// Flush writes buffered records to the underlying writer.
func (c *Capture) Flush() error {
	n := c.net
	n.mu.Lock()
	defer n.mu.Unlock()
	return c.flushLocked()
}

func (c *Capture) flushLocked() error {
	if c.err == nil && c.w != nil {
		if err := c.w.Flush(); err != nil {
			c.err = fmt.Errorf("netsim: pcapng flush: %w", err)
		}
	}
	return c.err
}

// Close stops recording and flushes. It returns the first error met while
// writing, if any. A capture on a network that never had a link gets a
// single placeholder interface named "netsim", so the output is still a
// valid pcapng file.
func (c *Capture) Close() error {
	n := c.net
	n.mu.Lock()
	defer n.mu.Unlock()
	if c.closed {
		return fmt.Errorf("netsim: capture already closed: %w", net.ErrClosed)
	}
	if c.w == nil && c.err == nil {
		w, err := pcapgo.NewNgWriterInterface(c.out, pcapgo.NgInterface{
			Name:                "netsim",
			LinkType:            layers.LinkTypeEthernet,
			TimestampResolution: 9,
		}, pcapgo.NgWriterOptions{SectionInfo: pcapgo.NgSectionInfo{Application: captureApplication}})
		if err != nil {
			c.err = fmt.Errorf("netsim: pcapng header: %w", err)
		}
		c.w = w
	}
	err := c.flushLocked()
	c.closed = true
	for i, x := range n.captures {
		if x == c {
			n.captures = append(n.captures[:i], n.captures[i+1:]...)
			break
		}
	}
	return err
}
