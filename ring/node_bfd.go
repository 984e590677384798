package ring

import (
	"fmt"
	"hash/fnv"

	"github.com/switchless/routing/bfd"
)

// This file is the node's BFD (RFC 5880, RFC 5881): one session per ring
// neighbour, asked for by OSPF (RFC 5882), on east and west only. A
// neighbour that hangs with its links up stops sending BFD packets like
// everything else, and its neighbours kill the adjacency after the BFD
// detection time instead of the OSPF dead interval. The server LANs have
// no OSPF neighbours and the upstream LAN no OSPF at all: VRRP watches
// the other edge there with its own adverts.

// bfdInterfaces are the interfaces that run BFD.
func (c NodeConfig) bfdInterfaces() []Interface {
	var out []Interface
	for _, ifc := range c.Interfaces {
		if ifc.Kind == KindEast || ifc.Kind == KindWest {
			out = append(out, ifc)
		}
	}
	return out
}

// newBFD builds the node's BFD instance when its timers ask for one.
func (n *Node) newBFD() error {
	tm := n.cfg.Timers
	if tm.BFDInterval == 0 {
		return nil
	}
	if tm.BFDInterval < 0 || tm.BFDMultiplier < 0 {
		return fmt.Errorf("%w: node %s: Timers: BFDInterval %v and BFDMultiplier %d must not be negative",
			ErrInvalidConfig, n.cfg.Name, tm.BFDInterval, tm.BFDMultiplier)
	}
	cfg := bfd.Config{Seed: n.bfdSeed()}
	for _, ifc := range n.cfg.bfdInterfaces() {
		if n.env.BFD[ifc.Name] == nil {
			return fmt.Errorf("%w: node %s: env.BFD: no transport for %s (Timers.BFDInterval is %v)",
				ErrInvalidConfig, n.cfg.Name, ifc.Name, tm.BFDInterval)
		}
		cfg.Interfaces = append(cfg.Interfaces, bfd.InterfaceConfig{
			Name:    ifc.Name,
			IfIndex: n.env.IfIndex[ifc.Name],
			// §6.8.1: Desired Min TX = Required Min RX, so that both ends
			// of a link run at the profile's interval.
			MinTx: tm.BFDInterval, MinRx: tm.BFDInterval, DetectMult: tm.BFDMultiplier,
			Auth: n.cfg.BFDAuth,
		})
	}
	in, err := bfd.New(cfg, bfd.Env{Clock: n.env.Clock, Logger: n.log, Transports: n.env.BFD,
		OnEvent: func(e bfd.Event) {
			switch e.Kind {
			case bfd.SessionUp, bfd.SessionDown, bfd.SessionPeerAdminDown:
				n.emit(Event{Kind: EventBFD, Text: e.String()})
			}
		}})
	if err != nil {
		return nodeErr(n.cfg.Name, err, bfd.ErrInvalidConfig)
	}
	n.bfd = in
	return nil
}

// bfdSeed seeds the BFD jitter and discriminators from the node's name
// and router ID and the clock: the same run of a simulation (a manual
// clock) gives the same packets, nodes booting at the same moment do not
// share discriminators, and a real node draws new ones at each start.
func (n *Node) bfdSeed() uint64 {
	h := fnv.New64a()
	h.Write([]byte(n.cfg.Name))
	rid := n.cfg.OSPF.RouterID.AsSlice()
	h.Write(rid)
	return h.Sum64() ^ uint64(n.env.Clock.Now().UnixNano())
}
