//go:build linux

package lab

import (
	"errors"
	"github.com/switchless/routing/internal/labns"
	"net/netip"
	"os"
	"path/filepath"
)

// The lab's addresses: campus k (1, 2) has its server's LAN 10.k.1.0/24
// and its client's LAN 10.k.2.0/24, the router at .1 and the host at .10;
// the routers share 10.0.12.0/30.
var (
	linkR1 = netip.MustParsePrefix("10.0.12.1/30")
	linkR2 = netip.MustParsePrefix("10.0.12.2/30")
)

func lanPrefix(campus, lan int) (router, hostAddr netip.Prefix) {
	base := netip.AddrFrom4([4]byte{10, byte(campus), byte(lan), 1})
	return netip.PrefixFrom(base, 24), netip.PrefixFrom(netip.AddrFrom4([4]byte{10, byte(campus), byte(lan), 10}), 24)
}

// build creates the six namespaces and their cables: r1–r2, r1 to server
// a and client c1, r2 to server b and client c2. Interfaces are named for
// what is at their other end (r1's "a", "c1", "r2"; hosts' "eth0").
func (l *Lab) build() error {
	mk := func(name string) (*host, error) {
		ns, err := labns.New(l.opt.Prefix + l.id + "-" + name)
		if err != nil {
			return nil, err
		}
		l.all = append(l.all, ns)
		dir := filepath.Join(l.opt.Dir, name)
		if err := os.MkdirAll(dir, 0o777); err != nil {
			return nil, err
		}
		if err := os.Chmod(dir, 0o777); err != nil {
			return nil, err
		}
		return &host{name: name, ns: ns, dir: dir, procs: map[string]*labns.Proc{}}, nil
	}
	var err error
	for i, n := range []string{"r1", "r2"} {
		if l.routers[i], err = mk(n); err != nil {
			return err
		}
	}
	for i, n := range []string{"a", "b"} {
		if l.servers[i], err = mk(n); err != nil {
			return err
		}
	}
	for i, n := range []string{"c1", "c2"} {
		if l.clients[i], err = mk(n); err != nil {
			return err
		}
	}
	noV6 := []string{"-qw", "net.ipv6.conf.all.disable_ipv6=1", "net.ipv6.conf.default.disable_ipv6=1"}
	for _, h := range l.hosts() {
		args := noV6
		if h == l.routers[0] || h == l.routers[1] {
			args = append(args, "net.ipv4.ip_forward=1", "net.ipv4.conf.all.rp_filter=0", "net.ipv4.conf.default.rp_filter=0")
		}
		if _, err := h.ns.Exec("sysctl", args...); err != nil {
			return err
		}
	}
	r1, r2 := l.routers[0], l.routers[1]
	if err := l.veth(r1.ns, "r2", r2.ns, "r1"); err != nil {
		return err
	}
	if err := errors.Join(r1.ns.IP("addr", "add", linkR1.String(), "dev", "r2"), r2.ns.IP("addr", "add", linkR2.String(), "dev", "r1")); err != nil {
		return err
	}
	for k, r := range l.routers {
		for lan, h := range []*host{l.servers[k], l.clients[k]} {
			if err := l.veth(r.ns, h.name, h.ns, "eth0"); err != nil {
				return err
			}
			rp, hp := lanPrefix(k+1, lan+1)
			h.addr, h.gw = hp.Addr(), rp.Addr()
			if err := r.ns.IP("addr", "add", rp.String(), "dev", h.name); err != nil {
				return err
			}
			if err := h.ns.IP("addr", "add", hp.String(), "dev", "eth0"); err != nil {
				return err
			}
			if err := h.ns.IP("route", "add", "default", "via", rp.Addr().String()); err != nil {
				return err
			}
		}
	}
	return nil
}

func (l *Lab) hosts() []*host {
	return []*host{l.routers[0], l.routers[1], l.servers[0], l.servers[1], l.clients[0], l.clients[1]}
}

// veth cables a's interface an to b's bn and brings both up.
func (l *Lab) veth(a *labns.NS, an string, b *labns.NS, bn string) error {
	l.cables = append(l.cables, cable{a: a, an: an, b: b, bn: bn})
	if err := labns.Run("ip", "link", "add", "name", an, "netns", a.Name, "type", "veth", "peer", "name", bn, "netns", b.Name); err != nil {
		return err
	}
	if err := a.IP("link", "set", "dev", an, "up"); err != nil {
		return err
	}
	return b.IP("link", "set", "dev", bn, "up")
}

// blackhole puts (or removes) a blackhole root qdisc on both ends of
// every cable of ns: its kernel neither forwards nor answers, while the
// links stay up.
func (l *Lab) blackhole(ns *labns.NS, on bool) error {
	var errs []error
	set := func(n *labns.NS, dev string) {
		args := []string{"qdisc", "del", "dev", dev, "root"}
		if on {
			args = []string{"qdisc", "replace", "dev", dev, "root", "blackhole"}
		}
		if _, err := n.Exec("tc", args...); err != nil {
			errs = append(errs, err)
		}
	}
	for _, c := range l.cables {
		if c.a == ns || c.b == ns {
			set(c.a, c.an)
			set(c.b, c.bn)
		}
	}
	return errors.Join(errs...)
}
