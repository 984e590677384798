package anycast

import (
	"context"
	"errors"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/switchless/routing"
	"github.com/switchless/routing/health"
	"github.com/switchless/routing/internal/nstest"
)

// The netlink address manager in a namespace: a labelled loopback alias
// and a dummy interface created on demand; a VIP that is another address
// of the host is refused, ours is adopted; Stop leaves nothing.
// Run under the lab lock: flock /tmp/lab.lock go test -run Netlink ./anycast/
func TestNetlinkAddressesInNamespace(t *testing.T) {
	nstest.RequireRoot(t)
	ns := nstest.New(t, "any")
	ns.Exec(t, "ip", "link", "set", "lo", "up")
	peer := nstest.New(t, "anyp")
	nstest.Veth(t, ns, "eth0", peer, "eth0")
	ns.Exec(t, "ip", "addr", "add", "192.0.2.99/24", "dev", "eth0")

	lo, err := NewNetlinkAddresses(NetlinkConfig{Namespace: ns.Name()})
	if err != nil {
		t.Fatal(err)
	}
	defer lo.Close()
	ctx := context.Background()
	v4, v6 := netip.MustParsePrefix("192.0.2.25/32"), netip.MustParsePrefix("2001:db8::25/128")
	for _, p := range []netip.Prefix{v4, v6} {
		if err := lo.Add(ctx, p); err != nil {
			t.Fatal(err)
		}
		if err := lo.Add(ctx, p); err != nil {
			t.Fatalf("second add: %v", err)
		}
	}
	out := ns.Exec(t, "ip", "-o", "addr", "show", "dev", "lo")
	if !strings.Contains(out, "192.0.2.25/32") || !strings.Contains(out, "lo:anycast") || !strings.Contains(out, "2001:db8::25/128") {
		t.Fatalf("lo:\n%s", out)
	}
	host, err := lo.HostAddresses(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ours := map[netip.Prefix]bool{}
	for _, h := range host {
		ours[h.Prefix] = h.Ours
	}
	if !ours[v4] || !ours[v6] || ours[netip.MustParsePrefix("192.0.2.99/24")] || ours[netip.MustParsePrefix("127.0.0.1/8")] {
		t.Fatalf("host addresses %+v", host)
	}

	// An Instance refuses the host's own address, adopts ours, and Stop
	// removes every alias it has.
	c := routing.NewManualClock(epoch)
	rec := newRecorder(c)
	chk := []health.Checker{&switchCheck{}}
	_, err = New(Config{Services: []ServiceConfig{{Name: "s", Prefixes: []netip.Prefix{netip.MustParsePrefix("192.0.2.99/32")}, Checkers: chk}}},
		Env{Clock: c, Announcer: rec, Addresses: lo})
	if !errors.Is(err, ErrInvalidConfig) || !strings.Contains(err.Error(), "eth0") {
		t.Fatalf("host address as VIP: %v", err)
	}
	inst, err := New(Config{Services: []ServiceConfig{{Name: "s", Prefixes: []netip.Prefix{v4, v6}, Checkers: chk, Rise: 1, DrainTime: 100 * time.Millisecond}}},
		Env{Clock: c, Announcer: rec, Addresses: lo})
	if err != nil {
		t.Fatal(err)
	}
	inst.Start()
	c.Advance(0)
	if _, ok := rec.announced(v4); !ok {
		t.Fatal("not announced")
	}
	if err := stopAdvancing(t, c, inst, 50*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if out := ns.Exec(t, "ip", "-o", "addr", "show", "dev", "lo"); strings.Contains(out, "192.0.2.25") || strings.Contains(out, "2001:db8::25") {
		t.Fatalf("left behind:\n%s", out)
	}

	if _, err := NewNetlinkAddresses(NetlinkConfig{Namespace: ns.Name(), Interface: "eth0", Dummy: false, Label: "bad"}); !errors.Is(err, ErrInvalidConfig) {
		t.Fatalf("label not starting with the interface: %v", err)
	}
}

// A dummy interface, created when missing and deleted by Close (skipped
// on kernels without the dummy driver).
func TestNetlinkDummyInNamespace(t *testing.T) {
	nstest.RequireRoot(t)
	ns := nstest.New(t, "anyd")
	ctx := context.Background()
	v4 := netip.MustParsePrefix("192.0.2.25/32")
	// A dummy interface, created when missing and deleted by Close.
	d, err := NewNetlinkAddresses(NetlinkConfig{Namespace: ns.Name(), Interface: "anycast0", Dummy: true})
	if err != nil && strings.Contains(err.Error(), "not supported") {
		t.Skipf("no dummy interfaces in this kernel: %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Add(ctx, v4); err != nil {
		t.Fatal(err)
	}
	if out := ns.Exec(t, "ip", "-o", "addr", "show", "dev", "anycast0"); !strings.Contains(out, "anycast0:vip") {
		t.Fatalf("anycast0:\n%s", out)
	}
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := ns.Try("ip", "link", "show", "anycast0"); err == nil {
		t.Fatal("dummy interface left behind")
	}
}
