//go:build linux

package lab

import (
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"

	"github.com/switchless/routing/internal/labns"
	"github.com/switchless/routing/ring"
)

// build creates the namespaces and cables: the ring links, each node's
// server LAN with one server, a host address (a /32 LAN) on a veth pair
// inside the node's namespace, and, with an uplink, the upstream LAN (a
// bridge in its own namespace) with the gateway and the two edges.
// Addresses come from the ring's spec; the gateway routes every server
// LAN to the VIP, servers route everything to their node.
func (l *Lab) build() error {
	cfgs, err := l.spec.BuildAll()
	if err != nil {
		return err
	}
	mk := func(role string) (*labns.NS, error) {
		ns, err := labns.New(l.opt.Prefix + l.id + "-" + role)
		if err != nil {
			return nil, err
		}
		l.all = append(l.all, ns)
		return ns, nil
	}
	if l.uplink() {
		if l.up, err = mk("up"); err != nil {
			return err
		}
		if l.gw, err = mk("gw"); err != nil {
			return err
		}
	}
	for i, c := range cfgs {
		ns, err := mk(c.Name)
		if err != nil {
			return err
		}
		dir := filepath.Join(l.opt.Dir, c.Name)
		if err := os.MkdirAll(dir, 0o777); err != nil {
			return err
		}
		if err := os.Chmod(dir, 0o777); err != nil {
			return err
		}
		l.nodes = append(l.nodes, &node{cfg: c, ns: ns, dir: dir})
		for k, lan := range l.spec.Nodes[i].LANs {
			if isHost(lan) {
				continue
			}
			sns, err := mk(fmt.Sprintf("s%d", i+1) + lanSuffix(k))
			if err != nil {
				return err
			}
			l.servers = append(l.servers, &server{name: fmt.Sprintf("s%d", i+1) + lanSuffix(k), node: c.Name,
				addr: lan.Addr().Next(), ns: sns})
		}
	}
	// Routers forward and never drop asymmetric traffic; nobody speaks
	// IPv6, which would only add noise.
	noV6 := []string{"net.ipv6.conf.all.disable_ipv6=1", "net.ipv6.conf.default.disable_ipv6=1"}
	for _, ns := range l.all {
		args := append([]string{"-qw"}, noV6...)
		if ns != l.gw && ns != l.up && !l.isServer(ns) {
			args = append(args, "net.ipv4.ip_forward=1", "net.ipv4.conf.all.rp_filter=0", "net.ipv4.conf.default.rp_filter=0")
		}
		if _, err := ns.Exec("sysctl", args...); err != nil {
			return err
		}
	}

	// The ring.
	n := len(l.nodes)
	for i, a := range l.nodes {
		b := l.nodes[(i+1)%n]
		if err := l.veth(a.ns, "east", b.ns, "west"); err != nil {
			return err
		}
	}
	// Server LANs.
	si := 0
	for i, nd := range l.nodes {
		for k, lan := range l.spec.Nodes[i].LANs {
			if isHost(lan) {
				// The host address: a /32 on an interface of its own
				// (a dummy on a host; a veth pair inside the node's
				// namespace here, the peer up so that it has carrier).
				name := ring.LANName(k)
				if err := nd.ns.IP("link", "add", name, "type", "veth", "peer", "name", name+"p"); err != nil {
					return err
				}
				if err := nd.ns.IP("link", "set", name+"p", "up"); err != nil {
					return err
				}
				if err := nd.ns.IP("link", "set", name, "up"); err != nil {
					return err
				}
				continue
			}
			s := l.servers[si]
			si++
			if err := l.veth(nd.ns, ring.LANName(k), s.ns, "eth0"); err != nil {
				return err
			}
			if err := s.ns.IP("addr", "add", netip.PrefixFrom(s.addr, lan.Bits()).String(), "dev", "eth0"); err != nil {
				return err
			}
			if err := s.ns.IP("route", "add", "default", "via", lan.Addr().String()); err != nil {
				return err
			}
		}
	}
	if !l.uplink() {
		for _, nd := range l.nodes {
			if err := l.addrs(nd); err != nil {
				return err
			}
		}
		return nil
	}
	// The upstream LAN: a bridge without STP or snooping (VRRP and OSPF
	// multicast flood), ports forwarding at once.
	if err := l.up.IP("link", "add", "br0", "type", "bridge", "forward_delay", "0", "stp_state", "0", "mcast_snooping", "0"); err != nil {
		return err
	}
	if err := l.up.IP("link", "set", "br0", "up"); err != nil {
		return err
	}
	port := func(ns *labns.NS, name, portName string) error {
		if err := l.veth(ns, name, l.up, portName); err != nil {
			return err
		}
		return l.up.IP("link", "set", "dev", portName, "master", "br0")
	}
	if err := port(l.gw, "eth0", "gw"); err != nil {
		return err
	}
	u := l.spec.Upstream
	if err := l.gw.IP("addr", "add", netip.PrefixFrom(u.Gateway, u.Prefix.Bits()).String(), "dev", "eth0"); err != nil {
		return err
	}
	for _, nd := range l.nodes {
		if nd.cfg.IsEdge() {
			if err := port(nd.ns, "up", nd.cfg.Name); err != nil {
				return err
			}
		}
		if err := l.addrs(nd); err != nil {
			return err
		}
	}
	// Each server LAN to the VIP (to its group's with active-active
	// edges); the anycast service's route is added with the service.
	routes, err := l.spec.GatewayRoutes()
	if err != nil {
		return err
	}
	for _, r := range routes {
		if r.Node == "" {
			continue
		}
		if err := l.gw.IP("route", "add", r.Prefix.String(), "via", r.VIP.String()); err != nil {
			return err
		}
	}
	return nil
}

// addrs puts the node's addresses on its interfaces.
func (l *Lab) addrs(nd *node) error {
	for _, ifc := range nd.cfg.Interfaces {
		if err := nd.ns.IP("addr", "add", ifc.Prefix.String(), "dev", ifc.Name); err != nil {
			return err
		}
	}
	return nil
}

// isHost reports whether a node's LAN is its host address, with no server
// behind it.
func isHost(lan netip.Prefix) bool { return lan.Bits() == 32 }

func lanSuffix(k int) string {
	if k == 0 {
		return ""
	}
	return "l" + strconv.Itoa(k)
}

func (l *Lab) isServer(ns *labns.NS) bool {
	for _, s := range l.servers {
		if s.ns == ns {
			return true
		}
	}
	return false
}

// veth cables a's interface an to b's bn, created directly inside the
// namespaces with indexes of the lab's own block, and brings both up.
func (l *Lab) veth(a *labns.NS, an string, b *labns.NS, bn string) error {
	ia, ib := l.ifIndex, l.ifIndex+1
	l.ifIndex += 2
	l.cables = append(l.cables, cable{a: a, an: an, b: b, bn: bn})
	if err := labns.Run("ip", "link", "add", "name", an, "index", strconv.Itoa(ia), "netns", a.Name, "type", "veth",
		"peer", "name", bn, "index", strconv.Itoa(ib), "netns", b.Name); err != nil {
		return err
	}
	if err := a.IP("link", "set", "dev", an, "up"); err != nil {
		return err
	}
	return b.IP("link", "set", "dev", bn, "up")
}

func (l *Lab) node(name string) *node {
	for _, n := range l.nodes {
		if n.cfg.Name == name {
			return n
		}
	}
	return nil
}
