package nstest_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/switchless/routing/internal/nstest"
	"github.com/vishvananda/netlink"
)

func TestVethPing(t *testing.T) {
	a := nstest.New(t, "nta")
	b := nstest.New(t, "ntb")
	nstest.VethIndex(t, a, "eth0", 4101, b, "eth0", 4102)
	if got := a.LinkIndex(t, "eth0"); got != 4101 {
		t.Fatalf("ifindex in a = %d, want 4101", got)
	}
	a.Exec(t, "ip", "addr", "add", "192.0.2.1/30", "dev", "eth0")
	b.Exec(t, "ip", "addr", "add", "192.0.2.2/30", "dev", "eth0")
	nstest.Eventually(t, 5*time.Second, func() error {
		_, err := a.Try("ping", "-c", "1", "-W", "1", "192.0.2.2")
		return err
	})
}

func TestDoEntersNamespace(t *testing.T) {
	a := nstest.New(t, "ntd")
	a.Exec(t, "ip", "link", "add", "dummy7", "type", "veth", "peer", "name", "dummy7p")
	var found bool
	if err := a.Do(func() error {
		_, err := netlink.LinkByName("dummy7")
		found = err == nil
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if !found {
		t.Fatal("Do did not run inside the namespace: dummy7 not visible")
	}
	// The calling goroutine's namespace is unchanged.
	if _, err := netlink.LinkByName("dummy7"); err == nil {
		t.Fatal("dummy7 visible outside the namespace")
	}
	want := errors.New("boom")
	if err := a.Do(func() error { return want }); !errors.Is(err, want) {
		t.Fatalf("Do error = %v, want %v", err, want)
	}
}

func TestStartStopsOnlyItsProcess(t *testing.T) {
	a := nstest.New(t, "nts")
	p := a.Start(t, "sleep", "30")
	if ok, _ := p.Exited(); ok {
		t.Fatal("sleep exited at once")
	}
	p.Stop()
	select {
	case <-p.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("process did not stop")
	}
	if ok, err := p.Exited(); !ok || err == nil {
		t.Fatalf("Exited() = %v, %v; want true and the SIGTERM wait error", ok, err)
	}
	// ps exits 1 when the pid is gone.
	if out, err := a.Try("ps", "-o", "pid=", "-p", fmt.Sprint(p.Pid())); err == nil && strings.Contains(out, fmt.Sprint(p.Pid())) {
		t.Fatal("process still listed after Stop")
	}
}
