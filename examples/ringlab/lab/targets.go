//go:build linux

package lab

import (
	"fmt"
	"net/netip"
)

// target is one probed destination: a server seen from the gateway, a
// server (or a node's host address) seen from a server on another node
// (east-west), or the anycast VIP.
type target struct {
	// name keys the replies and names the target in results: "s3"
	// (from the gateway), "s1 -> s3", "s1 -> n3 host".
	name string
	// src is the namespace fping runs in; addr the probed address.
	src  string
	addr netip.Addr
	// nodes are the ring nodes behind both ends: the target does not
	// count while one of them is down, or in a step whose victim it is.
	nodes []string
	// eastWest marks a probe between two nodes' servers (or to a host
	// address): Result.EastWest.
	eastWest bool
	// anycast marks the VIP of the anycast service, probed by TCP
	// banner from the gateway and counted in S5 and S5r only.
	anycast bool
}

// anycastTarget names the anycast VIP's banner probe.
const anycastTarget = "vip:25"

// on reports whether the target depends on node name.
func (t *target) on(name string) bool {
	for _, n := range t.nodes {
		if n == name {
			return true
		}
	}
	return false
}

// buildTargets lists what the lab probes: with an uplink, every server
// from the gateway; unless Options.NoEastWest (always without uplink),
// the pairs of EastWestPairs between the nodes' first servers and, for a
// pair's node with a host address (a /32 among its LANs), from the same
// source to it.
func (l *Lab) buildTargets() {
	first := map[string]*server{}
	for _, s := range l.servers {
		if first[s.node] == nil {
			first[s.node] = s
		}
		if l.gw != nil {
			l.targets = append(l.targets, &target{name: s.name, src: l.gw.Name, addr: s.addr, nodes: []string{s.node}})
		}
	}
	if !l.eastWest() {
		return
	}
	for _, pr := range EastWestPairs(l.plan) {
		from, to := l.nodes[pr[0]].cfg.Name, l.nodes[pr[1]].cfg.Name
		a, b := first[from], first[to]
		if a == nil || b == nil {
			continue
		}
		l.targets = append(l.targets, &target{name: a.name + " -> " + b.name, src: a.ns.Name, addr: b.addr,
			nodes: []string{from, to}, eastWest: true})
		for _, lan := range l.spec.Nodes[pr[1]].LANs {
			if lan.Bits() == 32 {
				l.targets = append(l.targets, &target{name: fmt.Sprintf("%s -> %s host", a.name, to), src: a.ns.Name,
					addr: lan.Addr(), nodes: []string{from, to}, eastWest: true})
			}
		}
	}
}

// eastWest reports whether the lab probes east-west.
func (l *Lab) eastWest() bool { return !l.opt.NoEastWest || l.gw == nil }
