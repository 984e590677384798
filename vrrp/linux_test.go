//go:build linux

package vrrp

import (
	"context"
	"fmt"
	"log/slog"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/switchless/routing"
	"github.com/switchless/routing/internal/nstest"
	"github.com/switchless/routing/internal/transport"
)

// Addresses of the namespace LANs (TEST-NET-1, inside our namespaces only).
var (
	nsVIP    = netip.MustParseAddr("192.0.2.100")
	nsClient = netip.MustParsePrefix("192.0.2.50/24")
)

// nsLAN is a bridge in its own namespace with member namespaces plugged
// into it by veth pairs: a LAN segment.
type nsLAN struct {
	t  *testing.T
	sw *nstest.NS
	n  int
}

func newNSLAN(t *testing.T) *nsLAN {
	nstest.RequireRoot(t)
	sw := nstest.New(t, "vrsw")
	sw.Exec(t, "ip", "link", "add", "br0", "type", "bridge", "mcast_snooping", "0", "forward_delay", "0")
	sw.Exec(t, "ip", "link", "set", "br0", "up")
	return &nsLAN{t: t, sw: sw}
}

// join makes a namespace with eth0 on the LAN holding addr.
func (l *nsLAN) join(name string, addr netip.Prefix) *nstest.NS {
	l.n++
	ns := nstest.New(l.t, "vr"+name)
	port := fmt.Sprintf("p%d", l.n)
	nstest.Veth(l.t, ns, "eth0", l.sw, port)
	l.sw.Exec(l.t, "ip", "link", "set", port, "master", "br0")
	ns.Exec(l.t, "ip", "addr", "add", addr.String(), "dev", "eth0")
	// Our own announcements and keepalived's must be believed at once.
	ns.Exec(l.t, "sysctl", "-qw", "net.ipv4.conf.all.arp_accept=1", "net.ipv4.conf.eth0.arp_accept=1")
	return ns
}

// cut takes member i's cable out (its switch port down).
func (l *nsLAN) cut(i int, down bool) {
	state := "up"
	if down {
		state = "down"
	}
	l.sw.Exec(l.t, "ip", "link", "set", fmt.Sprintf("p%d", i), state)
}

// ours is one of our Routers running in a namespace with real sockets.
type ours struct {
	r     *Router
	addrs *NetlinkAddresses
	mu    sync.Mutex
	trans []Transition
}

func (o *ours) last(to State) (Transition, bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	for i := len(o.trans) - 1; i >= 0; i-- {
		if o.trans[i].To == to {
			return o.trans[i], true
		}
	}
	return Transition{}, false
}

func startOurs(t *testing.T, ns *nstest.NS, cfg Config, macvlan string) *ours {
	t.Helper()
	cfg.Interface = "eth0"
	v6 := cfg.Address.Addr().Is6()
	tr, err := Listen(context.Background(), ListenConfig{Interface: "eth0", Namespace: ns.Name(), IPv6: v6, Source: cfg.Address.Addr()})
	if err != nil {
		t.Fatal(err)
	}
	am, err := NewNetlinkAddresses(NetlinkConfig{Interface: "eth0", Namespace: ns.Name(), MACVLAN: macvlan, VRID: cfg.VRID, IPv6: v6})
	if err != nil {
		t.Fatal(err)
	}
	o := &ours{addrs: am}
	env := Env{Clock: routing.SystemClock(), Transport: tr, Addresses: am, OnEvent: func(e Event) {
		if e.Kind != EventTransition {
			return
		}
		o.mu.Lock()
		o.trans = append(o.trans, e.Transition)
		o.mu.Unlock()
	}}
	if testing.Verbose() {
		env.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	}
	r, err := New(cfg, env)
	if err != nil {
		t.Fatal(err)
	}
	o.r = r
	if err := r.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("our router: %+v", r.Status())
			if st, ok := tr.(interface{ Stats() transport.Stats }); ok {
				t.Logf("transport: %+v", st.Stats())
			}
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = r.Stop(ctx)
		_ = am.Close()
	})
	return o
}

// hasAddr reports whether the namespace holds a on any interface.
func hasAddr(ns *nstest.NS, a netip.Addr) bool {
	out, _ := ns.Try("ip", "-o", "addr", "show")
	return strings.Contains(out, " "+a.String()+"/")
}

// requireVIPAt waits until exactly owner holds the VIP among nss.
func requireVIPAt(t *testing.T, timeout time.Duration, owner *nstest.NS, nss ...*nstest.NS) {
	t.Helper()
	nstest.Eventually(t, timeout, func() error {
		for _, ns := range nss {
			if has := hasAddr(ns, nsVIP); has != (ns == owner) {
				return fmt.Errorf("%s holds the VIP: %v", ns.Name(), has)
			}
		}
		return nil
	})
}

// resolveAfresh makes the client resolve a again: its neighbor entry
// flushed, then one ping. A ping alone can keep a stale entry for seconds:
// when two routers briefly both held the VIP at startup (ours became
// Master before it heard the other's advertisements), the client may have
// believed the loser's announcement last, and only its neighbor
// unreachability detection (5 s DELAY, then unicast probes) would drop it.
func resolveAfresh(client *nstest.NS, a netip.Addr) {
	client.Try("ip", "neigh", "flush", "to", a.String())
	if a.Is6() {
		client.Try("ping", "-6", "-c1", "-W1", a.String())
		return
	}
	client.Try("ping", "-c1", "-W1", a.String())
}

var lladdrRE = regexp.MustCompile(`lladdr ([0-9a-f:]{17})`)

// neighMAC returns the MAC a namespace's neighbor table has for a.
func neighMAC(ns *nstest.NS, a netip.Addr) string {
	out, _ := ns.Try("ip", "neigh", "show", a.String())
	if m := lladdrRE.FindStringSubmatch(out); m != nil {
		return m[1]
	}
	return ""
}

func macOf(t *testing.T, ns *nstest.NS, ifname string) string {
	t.Helper()
	out := ns.Exec(t, "cat", "/sys/class/net/"+ifname+"/address")
	return strings.TrimSpace(out)
}

// keepalived runs keepalived (VRRP only) in ns with its own config, pid
// files and runtime directory.
type keepalived struct {
	p   *nstest.Proc
	dir string
}

func startKeepalived(t *testing.T, ns *nstest.NS, conf string) *keepalived {
	t.Helper()
	bin := nstest.RequireBinary(t, "keepalived")
	dir := nstest.TempDir(t)
	cf := filepath.Join(dir, "keepalived.conf")
	if err := os.WriteFile(cf, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	p := ns.Start(t, bin, "-f", cf, "-p", filepath.Join(dir, "keepalived.pid"), "-r", filepath.Join(dir, "vrrp.pid"),
		"-c", filepath.Join(dir, "checkers.pid"), "-n", "-l", "-D", "-P")
	k := &keepalived{p: p, dir: dir}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("keepalived output:\n%s", p.Output())
		}
	})
	return k
}

// kill crashes keepalived: its VRRP child (whose pid file we chose) and
// the parent we started, both with SIGKILL, so no priority 0 is sent.
func (k *keepalived) kill(t *testing.T) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(k.dir, "vrrp.pid"))
	if err == nil {
		if pid, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil && pid > 1 {
			if proc, err := os.FindProcess(pid); err == nil {
				_ = proc.Kill()
			}
		}
	}
	k.p.Kill()
}

func keepalivedConf(version int, vrid uint8, prio uint8, advert string, iface string, extra string) string {
	return fmt.Sprintf(`global_defs {
  router_id ka%d
  vrrp_version %d
  vrrp_garp_master_delay 0
  vrrp_garp_master_repeat 3
}
vrrp_instance VI_%d {
  state BACKUP
  interface %s
  virtual_router_id %d
  priority %d
  advert_int %s
  %s
  virtual_ipaddress {
    %s/32
  }
}
`, vrid, version, vrid, iface, vrid, prio, advert, extra, nsVIP)
}

// stopOurs shuts our router down (priority 0, VIP removed) and releases
// its address manager.
func stopOurs(t *testing.T, o *ours) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := o.r.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	if err := o.addrs.Close(); err != nil {
		t.Fatal(err)
	}
}
