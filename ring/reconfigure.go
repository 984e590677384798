package ring

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"reflect"
	"slices"

	"github.com/switchless/routing"
	"github.com/switchless/routing/bfd"
	"github.com/switchless/routing/fib"
	"github.com/switchless/routing/ospf"
	"github.com/switchless/routing/vrrp"
)

// Reconfigure replaces the node's configuration with cfg (as Spec.Build
// gives it; interface indexes are applied as NewNode applies them),
// applying only the difference to the running protocols:
//
//   - OSPF (ospf.Instance.Reconfigure): a ring interface's cost
//     re-originates the router-LSA alone (RFC 2328 §12.4), no neighbour
//     event; hello/dead intervals reset that interface (§9.3, its
//     neighbours agreed to the old ones); SPF back-off, MinLSInterval,
//     the default's metric take effect from their next use.
//   - VRRP (vrrp.Router.Reconfigure): priority, interval, VIPs as RFC 5798
//     §6.4 says, without a state change where none is due.
//   - BFD: the ring links' sessions take the new interval, multiplier and
//     authentication with a Poll Sequence (RFC 5880 §6.5, §6.8.3), no
//     flap (bfd.Instance.UpdateInterface).
//   - The static default (a new gateway) and the unreachable routes of
//     the other nodes' LANs (a LAN added to or removed from the ring) are
//     written or deleted in the static FIB sink as they differ.
//
// What Reconfigure cannot apply in place returns an error wrapping
// ErrRestartRequired naming the YAML field: node (the name), nodes (the
// node's position), upstream.edges (its role), link_pool/links,
// nodes[].lans and upstream.prefix (its interfaces and addresses),
// upstream.vrid, upstream.edges[].address, timers.bfd_interval from or to
// 0 (BFD on or off), and a router ID change. cfg is validated as NewNode
// validates it, and on any error nothing changes (a VRRP error after OSPF
// took the new configuration puts OSPF back). added must be empty: a
// ring node's interfaces are fixed by its place in the ring, so none is
// added in place (a non-empty added wraps ErrInvalidConfig). Before Start
// Reconfigure does the same, the protocols being reconfigured before
// theirs; after Stop it returns ErrStopped.
func (n *Node) Reconfigure(ctx context.Context, cfg NodeConfig, added map[string]routing.Transport) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.stopped {
		return ErrStopped
	}
	cfg = cfg.WithIfIndex(n.env.IfIndex)
	if n.ospf == nil {
		return n.reconfigureStatic(cfg, added) // a chain node (chain.go)
	}
	readdressed, err := n.checkReconfigure(cfg, added)
	if err != nil {
		return err
	}
	old := n.cfg
	undo, err := n.followAddresses(cfg, readdressed)
	if err != nil {
		return err
	}
	oldOSPF, newOSPF := n.ospfConfig(), n.withBFDOf(cfg)
	if !reflect.DeepEqual(oldOSPF, newOSPF) {
		if err := n.ospf.Reconfigure(ctx, newOSPF, nil); err != nil {
			undo()
			return nodeErr(cfg.Name, err, ospf.ErrInvalidConfig)
		}
	}
	if n.vrrp != nil && !reflect.DeepEqual(*old.VRRP, *cfg.VRRP) {
		if err := n.vrrp.Reconfigure(ctx, *cfg.VRRP); err != nil {
			if !reflect.DeepEqual(oldOSPF, newOSPF) {
				if rerr := n.ospf.Reconfigure(ctx, oldOSPF, nil); rerr != nil {
					err = fmt.Errorf("%w (and OSPF could not be put back: %w)", err, rerr)
				}
			}
			undo()
			return nodeErr(cfg.Name, err, vrrp.ErrInvalidConfig)
		}
	}
	if err := n.reconfigureSecond(ctx, old, cfg); err != nil {
		return n.putBack(ctx, err, old, oldOSPF, newOSPF)
	}
	// Validated by checkReconfigure: neither can fail for the config.
	var errs []error
	if n.bfd != nil && (old.Timers.BFDInterval != cfg.Timers.BFDInterval || old.Timers.BFDMultiplier != cfg.Timers.BFDMultiplier ||
		!reflect.DeepEqual(old.BFDAuth, cfg.BFDAuth)) {
		for _, ic := range bfdInterfaceConfigs(cfg, n.env.IfIndex) {
			if err := n.bfd.UpdateInterface(ic); err != nil {
				errs = append(errs, nodeErr(cfg.Name, err, bfd.ErrInvalidConfig))
			}
		}
	}
	n.cfgMu.Lock()
	n.cfg = cfg
	n.cfgMu.Unlock()
	if n.hold != nil {
		n.hold.reconfigure(cfg)
	}
	if n.started {
		// Unreachable routes no longer wanted, then the new or changed
		// ones; the static default when its route changed and it is in.
		var gone []fib.Route
		for _, r := range old.Discard {
			if !slices.ContainsFunc(cfg.Discard, func(nr fib.Route) bool { return nr.Prefix == r.Prefix && nr.Table == r.Table }) {
				gone = append(gone, r)
			}
		}
		var fresh []fib.Route
		for _, r := range cfg.Discard {
			if !slices.ContainsFunc(old.Discard, func(or fib.Route) bool { return reflect.DeepEqual(or, r) }) {
				fresh = append(fresh, r)
			}
		}
		errs = append(errs, n.writeStatic(gone, false, "unreachable")...)
		errs = append(errs, n.writeStatic(fresh, true, "unreachable")...)
		if n.staticOn && !reflect.DeepEqual(old.Static, cfg.Static) {
			errs = append(errs, n.writeStatic(cfg.Static, true, "static")...)
		}
	}
	return errors.Join(errs...)
}

// checkReconfigure refuses, changing nothing, what Reconfigure cannot
// apply in place (ErrRestartRequired) and what NewNode would refuse
// (ErrInvalidConfig).
func (n *Node) checkReconfigure(cfg NodeConfig, added map[string]routing.Transport) (readdressed []string, err error) {
	old := n.cfg
	restart := func(field, why string) error {
		return fmt.Errorf("%w: node %s: %s: %s", ErrRestartRequired, old.Name, field, why)
	}
	invalid := func(field, why string) error {
		return fmt.Errorf("%w: node %s: %s: %s", ErrInvalidConfig, old.Name, field, why)
	}
	if len(added) > 0 {
		return nil, invalid("added", "a ring node's interfaces are fixed by its place in the ring; none is added in place")
	}
	switch {
	case cfg.Name != old.Name:
		return nil, restart("node", fmt.Sprintf("%q → %q: another node", old.Name, cfg.Name))
	case cfg.Topology != old.Topology:
		return nil, restart("topology", fmt.Sprintf("%v → %v: the protocols the node runs", old.Topology, cfg.Topology))
	case cfg.Role != old.Role || (cfg.VRRP == nil) != (old.VRRP == nil):
		return nil, restart("upstream.edges", fmt.Sprintf("the node's role changes from %v to %v", old.Role, cfg.Role))
	case cfg.OSPF.RouterID != old.OSPF.RouterID:
		return nil, restart("router_id", fmt.Sprintf("%v → %v: it names every LSA the node originated", old.OSPF.RouterID, cfg.OSPF.RouterID))
	case (cfg.Timers.BFDInterval == 0) != (old.Timers.BFDInterval == 0):
		return nil, restart("timers.bfd_interval", "BFD is turned on or off (the BFD instance and its sockets are built at start)")
	}
	if len(cfg.Interfaces) != len(old.Interfaces) {
		return nil, restart("nodes[].lans", fmt.Sprintf("the node's interfaces change from %d to %d", len(old.Interfaces), len(cfg.Interfaces)))
	}
	for i, ni := range cfg.Interfaces {
		oi := old.Interfaces[i]
		oi.Cost, ni.Cost = 0, 0 // applied in place
		if !reflect.DeepEqual(oi, ni) {
			field := "link_pool/links"
			switch oi.Kind {
			case KindUpstream:
				field = "upstream.edges[].address"
			case KindLAN:
				field = "nodes[].lans"
			}
			if oi.Kind == KindEast || oi.Kind == KindWest {
				if oi.Prefix == ni.Prefix && oi.Peer == ni.Peer && oi.PeerNode == ni.PeerNode {
					// Only what lies beyond the neighbour changed (its
					// LANs): OSPF learns that from its LSAs.
					continue
				}
				if oi.Name == ni.Name && oi.Kind == ni.Kind {
					// The link was re-cabled (a node inserted, see
					// PlanGrowth): its address, its peer or both change.
					// Only while it is unplugged: a running link would
					// drop its adjacency and the traffic on it.
					if up := n.ringIfaceUp(oi.Name); up != "" {
						return nil, restart(field, fmt.Sprintf("interface %s would change from %v (peer %s %v) to %v (peer %s %v) while %s: "+
							"a reload re-addresses a ring link only once its cable is unplugged (see the growth procedure in package ring)",
							oi.Name, oi.Prefix, oi.PeerNode, oi.Peer, ni.Prefix, ni.PeerNode, ni.Peer, up))
					}
					readdressed = append(readdressed, oi.Name)
					continue
				}
			}
			return nil, restart(field, fmt.Sprintf("interface %s changes from %+v to %+v", oi.Name, old.Interfaces[i], cfg.Interfaces[i]))
		}
	}
	if err := n.withBFDOf(cfg).Validate(); err != nil {
		return nil, nodeErr(cfg.Name, err, ospf.ErrInvalidConfig)
	}
	if cfg.VRRP != nil {
		ov, nv := old.VRRP, cfg.VRRP
		switch {
		case nv.VRID != ov.VRID:
			return nil, restart("upstream.vrid", fmt.Sprintf("%d → %d: another virtual router", ov.VRID, nv.VRID))
		case nv.Address != ov.Address:
			return nil, restart("upstream.edges[].address", fmt.Sprintf("%v → %v: the source of the advertisements", ov.Address, nv.Address))
		}
		if err := nv.Validate(); err != nil {
			return nil, nodeErr(cfg.Name, err, vrrp.ErrInvalidConfig)
		}
	}
	if err := checkReconfigureSecond(old, cfg, restart); err != nil {
		return nil, err
	}
	if tm := cfg.Timers; tm.BFDInterval < 0 || tm.BFDMultiplier < 0 {
		return nil, invalid("timers", fmt.Sprintf("bfd_interval %v and bfd_multiplier %d must not be negative", tm.BFDInterval, tm.BFDMultiplier))
	}
	if n.bfd != nil {
		bc := bfd.Config{Seed: 1, Interfaces: bfdInterfaceConfigs(cfg, n.env.IfIndex)}
		if err := bc.Validate(); err != nil {
			return nil, nodeErr(cfg.Name, err, bfd.ErrInvalidConfig)
		}
	}
	return readdressed, nil
}

// ringIfaceUp says why the ring interface called name counts as running
// (its OSPF interface is not Down: it has carrier), or "" when it is
// unplugged.
func (n *Node) ringIfaceUp(name string) string {
	for _, st := range n.ospf.Interfaces() {
		if st.Name == name && st.State != ospf.IfDown {
			return fmt.Sprintf("it is up (OSPF %v, %d neighbors)", st.State, st.Neighbors)
		}
	}
	return ""
}

// sourceSetter is a transport whose source address follows the
// interface's (the Linux sockets of package transport); a netsim
// transport sends from its attachment's address and needs no telling.
type sourceSetter interface {
	Source() netip.Addr
	SetSource(netip.Addr) error
}

// followAddresses points the OSPF and BFD transports of the re-addressed ring
// interfaces at their new addresses (the host re-addressed the
// interfaces first: HostNode.Reconfigure). undo puts the old sources
// back; on error nothing is left changed.
func (n *Node) followAddresses(cfg NodeConfig, readdressed []string) (undo func(), err error) {
	var undos []func()
	undo = func() {
		for _, u := range slices.Backward(undos) {
			u()
		}
	}
	for _, name := range readdressed {
		ifc, _ := cfg.Interface(name)
		var trs []any
		if tr, ok := n.env.OSPF[name]; ok {
			trs = append(trs, tr)
		}
		if tr, ok := n.env.BFD[name]; ok {
			trs = append(trs, tr)
		}
		for _, tr := range trs {
			ss, ok := tr.(sourceSetter)
			if !ok {
				continue
			}
			prev := ss.Source()
			if !prev.IsValid() {
				continue // the kernel picks the source
			}
			if err := ss.SetSource(ifc.Prefix.Addr()); err != nil {
				undo()
				return nil, fmt.Errorf("%w: node %s: link_pool/links: interface %s: %w", ErrInvalidConfig, cfg.Name, name, err)
			}
			undos = append(undos, func() { _ = ss.SetSource(prev) })
		}
	}
	return undo, nil
}

// withBFDOf is the OSPF configuration of cfg as the node would run it
// (ospfConfig).
func (n *Node) withBFDOf(cfg NodeConfig) ospf.Config {
	if n.bfd == nil {
		return cfg.OSPF
	}
	oc := cfg.OSPF
	oc.Interfaces = slices.Clone(oc.Interfaces)
	for i := range oc.Interfaces {
		if k, ok := cfg.Interface(oc.Interfaces[i].Name); ok && (k.Kind == KindEast || k.Kind == KindWest) {
			oc.Interfaces[i].BFD = true
		}
	}
	return oc
}

// bfdInterfaceConfigs are the BFD interfaces of cfg's ring links, as
// newBFD builds them.
func bfdInterfaceConfigs(cfg NodeConfig, idx map[string]int) []bfd.InterfaceConfig {
	tm := cfg.Timers
	var out []bfd.InterfaceConfig
	for _, ifc := range cfg.bfdInterfaces() {
		out = append(out, bfd.InterfaceConfig{
			Name: ifc.Name, IfIndex: idx[ifc.Name],
			// §6.8.1: Desired Min TX = Required Min RX.
			MinTx: tm.BFDInterval, MinRx: tm.BFDInterval, DetectMult: tm.BFDMultiplier,
			Auth: cfg.BFDAuth,
		})
	}
	return out
}
