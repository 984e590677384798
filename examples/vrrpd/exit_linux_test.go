//go:build linux

package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/switchless/routing/internal/nstest"
)

// TestExit_Vrrpd (issue 14): vrrpd a (priority 200, 100 ms adverts) is
// Master of gw51 (preempt) and gw52 (preempt: false) and a second vrrpd,
// b (priority 100), their Backup on one LAN; then a gets one signal after
// another:
//
//   - SIGHUP, the file unchanged: a keeps running, no router of a or b
//     changes state (b's transition counters do not move), the VIPs stay
//     on a.
//   - SIGKILL, then a restart with the same file: the dead run leaves both
//     VIPs on a's eth0, its socket and its lock, and b takes both over.
//     The restart is not blocked, and it starts every router in Backup
//     (RFC 5798 §6.4.1) without the stale VIPs: gw51 preempts b and is
//     Master again with 192.0.2.151; gw52 (no preemption) stays Backup
//     and 192.0.2.152 is on b only — not on both.
//   - SIGTERM: exit 0 (priority 0, §6.4.3), no VIP, socket or lock left
//     on a; b is Master of both with both VIPs.
func TestExit_Vrrpd(t *testing.T) {
	nstest.RequireRoot(t)
	bin := nstest.GoBuild(t, ".", "vrrpd")
	na, nb := nstest.New(t, "exva"), nstest.New(t, "exvb")
	nstest.Veth(t, na, "eth0", nb, "eth0")
	na.Exec(t, "ip", "addr", "add", "192.0.2.1/24", "dev", "eth0")
	nb.Exec(t, "ip", "addr", "add", "192.0.2.2/24", "dev", "eth0")

	type node struct {
		ns         *nstest.NS
		conf, sock string
		proc       *nstest.Proc
	}
	dir := nstest.TempDir(t)
	mk := func(name string, ns *nstest.NS, prio int) *node {
		n := &node{ns: ns, conf: filepath.Join(dir, name+".yaml"), sock: filepath.Join(dir, name+".sock")}
		if err := os.WriteFile(n.conf, []byte(fmt.Sprintf(`socket: %s
routers:
  - {name: gw51, interface: eth0, vrid: 51, priority: %d, interval: 100ms, virtual_addresses: [192.0.2.151]}
  - {name: gw52, interface: eth0, vrid: 52, priority: %d, interval: 100ms, preempt: false, virtual_addresses: [192.0.2.152]}
`, n.sock, prio, prio)), 0o644); err != nil {
			t.Fatal(err)
		}
		return n
	}
	a, b := mk("a", na, 200), mk("b", nb, 100)
	start := func(n *node) { n.proc = n.ns.Start(t, bin, "run", "-config", n.conf) }
	t.Cleanup(func() {
		for _, n := range []*node{a, b} {
			if t.Failed() && n.proc != nil {
				t.Logf("%s's output:\n%s", filepath.Base(n.conf), n.proc.Output())
			}
		}
	})
	type router struct {
		State    string `json:"state"`
		Counters struct {
			Transitions uint64 `json:"transitions"`
		} `json:"counters"`
	}
	routers := func(n *node) (map[string]router, error) {
		out, err := n.ns.Try(bin, "show", "-json", "-socket", n.sock)
		if err != nil {
			return nil, err
		}
		var rs []struct {
			Name string `json:"name"`
			router
		}
		if err := json.Unmarshal([]byte(out), &rs); err != nil {
			return nil, fmt.Errorf("%w: %s", err, out)
		}
		m := map[string]router{}
		for _, r := range rs {
			m[r.Name] = r.router
		}
		return m, nil
	}
	states := func(n *node) string {
		rs, err := routers(n)
		if err != nil {
			return err.Error()
		}
		return fmt.Sprintf("gw51 %s, gw52 %s", rs["gw51"].State, rs["gw52"].State)
	}
	vips := func(n *node) string {
		out, err := n.ns.Try("ip", "-o", "-4", "addr", "show", "dev", "eth0")
		if err != nil {
			return err.Error()
		}
		var held []string
		for _, v := range []string{"192.0.2.151", "192.0.2.152"} {
			if strings.Contains(out, " "+v+"/") {
				held = append(held, v)
			}
		}
		return strings.Join(held, " ")
	}
	// expect waits for both nodes' states and VIPs (a state "": the node
	// does not run; its VIPs are checked all the same).
	expect := func(t *testing.T, stA, vipA, stB, vipB string) {
		t.Helper()
		nstest.Eventually(t, 10*time.Second, func() error {
			if stA != "" {
				if s := states(a); s != stA {
					return fmt.Errorf("a: %s, want %s", s, stA)
				}
			}
			if stB != "" {
				if s := states(b); s != stB {
					return fmt.Errorf("b: %s, want %s", s, stB)
				}
			}
			if v := vips(a); v != vipA {
				return fmt.Errorf("a holds VIPs [%s], want [%s]", v, vipA)
			}
			if v := vips(b); v != vipB {
				return fmt.Errorf("b holds VIPs [%s], want [%s]", v, vipB)
			}
			return nil
		})
	}
	const both = "192.0.2.151 192.0.2.152"

	// a first, so that it is Master of gw52 too, which does not preempt.
	start(a)
	expect(t, "gw51 master, gw52 master", both, "", "")
	start(b)
	expect(t, "gw51 master, gw52 master", both, "gw51 backup, gw52 backup", "")

	steps := []struct {
		name string
		run  func(t *testing.T)
	}{
		{"SIGHUP", func(t *testing.T) {
			rb0, err := routers(b)
			if err != nil {
				t.Fatal(err)
			}
			ra0, err := routers(a)
			if err != nil {
				t.Fatal(err)
			}
			nstest.UnchangedReload(t, a.proc)
			time.Sleep(time.Second) // ten adverts: a lapse would show
			ra, err := routers(a)
			if err != nil {
				t.Fatal(err)
			}
			rb, err := routers(b)
			if err != nil {
				t.Fatal(err)
			}
			for _, name := range []string{"gw51", "gw52"} {
				if ra[name].State != "master" || ra[name].Counters.Transitions != ra0[name].Counters.Transitions {
					t.Errorf("a's %s went from %+v to %+v", name, ra0[name], ra[name])
				}
				if rb[name].State != "backup" || rb[name].Counters.Transitions != rb0[name].Counters.Transitions {
					t.Errorf("b's %s went from %+v to %+v", name, rb0[name], rb[name])
				}
			}
			if v := vips(a); v != both {
				t.Errorf("a holds [%s] after SIGHUP", v)
			}
		}},
		{"SIGKILL-restart", func(t *testing.T) {
			a.proc.Kill()
			// b takes both over; the dead run's VIPs stay on a.
			expect(t, "", both, "gw51 master, gw52 master", both)
			if err := nstest.Absent(a.sock, a.sock+".lock"); err == nil {
				t.Fatalf("SIGKILL left no socket or lock: nothing to test")
			}
			start(a)
			expect(t, "gw51 master, gw52 backup", "192.0.2.151", "gw51 backup, gw52 master", "192.0.2.152")
			if done, err := a.proc.Exited(); done {
				t.Fatalf("the restart exited: %v", err)
			}
		}},
		{"SIGTERM", func(t *testing.T) {
			if err := a.proc.Terminate(10 * time.Second); err != nil {
				t.Errorf("exit after SIGTERM: %v", err)
			}
			if v := vips(a); v != "" {
				t.Errorf("a keeps [%s] after SIGTERM", v)
			}
			if err := nstest.Absent(a.sock, a.sock+".lock"); err != nil {
				t.Error(err)
			}
			expect(t, "", "", "gw51 master, gw52 master", both)
		}},
	}
	for _, s := range steps {
		if !t.Run(s.name, s.run) {
			break
		}
	}
}
