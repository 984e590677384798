//go:build linux

package main

import (
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/vishvananda/netlink"

	"github.com/switchless/routing/internal/bfdconf"
	"github.com/switchless/routing/internal/nstest"
)

// TestReplicaPowerOff is issue 13's anycast line in namespaces: site
// router R and replica servers S1 and S2 on one LAN (a bridge in a switch
// namespace), all three ripd with BFD at 50 ms × 3 (150 ms detection,
// half of the 300 ms budget: see rip's TestReplicaPowerOff_BFD for the
// choice). S1 and S2 redistribute the service /32 on a stub interface,
// S1 at metric 1 and S2 at metric 3, so R's kernel routes it via S1.
// S1 powering off is a SIGSTOP of its ripd: its links stay up (R's is
// to the switch anyway), it just goes silent. R's kernel route is read
// (netlink RTM_GETROUTE, as `ip route get`) every 10 ms from the SIGSTOP
// until it points at S2; the outage is logged and only bounded loosely
// (2 s), as tests do not assert wall-clock speed: RIP alone would take
// its 180 s timeout. SIGCONT brings the route back via S1.
func TestReplicaPowerOff(t *testing.T) {
	nstest.RequireRoot(t)
	bin := nstest.GoBuild(t, ".", "ripd")
	sw := nstest.New(t, "r13sw")
	sw.Exec(t, "ip", "link", "add", "br0", "type", "bridge", "forward_delay", "0", "stp_state", "0")
	sw.Exec(t, "ip", "link", "set", "br0", "up")
	const vip = "192.0.2.53"
	nodes := map[string]*nstest.NS{}
	for _, n := range []struct{ name, addr string }{{"R", "10.13.0.1/24"}, {"S1", "10.13.0.11/24"}, {"S2", "10.13.0.12/24"}} {
		ns := nstest.New(t, "r13"+strings.ToLower(n.name))
		nodes[n.name] = ns
		port := "p" + strings.ToLower(n.name)
		nstest.Veth(t, ns, "eth0", sw, port)
		sw.Exec(t, "ip", "link", "set", port, "master", "br0")
		ns.Exec(t, "ip", "addr", "add", n.addr, "dev", "eth0")
	}
	nodes["S1"].Stub(t, "svc0", vip+"/32")
	nodes["S2"].Stub(t, "svc0", vip+"/32")

	dir := nstest.TempDir(t)
	procs, socks := map[string]*nstest.Proc{}, map[string]string{}
	for name, extra := range map[string]string{
		"R":  "",
		"S1": "redistribute:\n  connected: {metric: 1}\n",
		"S2": "redistribute:\n  connected: {metric: 3}\n",
	} {
		sock := filepath.Join(dir, name+".sock")
		conf := filepath.Join(dir, name+".yaml")
		if err := os.WriteFile(conf, []byte(fmt.Sprintf(`socket: %s
log_level: debug
interfaces:
  - name: eth0
    bfd: true
bfd: {min_tx: 50ms, min_rx: 50ms, multiplier: 3}
%s`, sock, extra)), 0o644); err != nil {
			t.Fatal(err)
		}
		if out, err := exec.Command(bin, "check", "-config", conf).CombinedOutput(); err != nil {
			t.Fatalf("ripd check: %v\n%s", err, out)
		}
		p := nodes[name].Start(t, bin, "run", "-config", conf)
		t.Cleanup(func() { _ = syscall.Kill(p.Pid(), syscall.SIGCONT) })
		procs[name], socks[name] = p, sock
	}
	logs := func() string {
		var b strings.Builder
		for _, n := range []string{"R", "S1", "S2"} {
			fmt.Fprintf(&b, "%s:\n%s\n", n, procs[n].Output())
		}
		return b.String()
	}
	r := nodes["R"]
	via := func() string {
		out, err := r.Try("ip", "-4", "route", "show", vip, "proto", "244")
		if err != nil {
			return ""
		}
		if f := strings.Fields(out); len(f) >= 3 && f[1] == "via" {
			return f[2]
		}
		return ""
	}
	nstest.Eventually(t, 30*time.Second, func() error {
		out, err := r.Try(bin, "show", "bfd", "-json", "-socket", socks["R"])
		if err != nil {
			return err
		}
		var vs []bfdconf.SessionView
		if err := json.Unmarshal([]byte(out), &vs); err != nil {
			return err
		}
		if len(vs) != 2 || vs[0].State != "up" || vs[1].State != "up" {
			return fmt.Errorf("R's sessions %+v, want two Up", vs)
		}
		if gw := via(); gw != "10.13.0.11" {
			return fmt.Errorf("R routes %s via %q, want S1\n%s", vip, gw, logs())
		}
		return nil
	})

	// Power S1 off, and watch R's forwarding every 10 ms.
	var left, moved time.Duration
	err := r.Do(func() error {
		dst := net.ParseIP(vip)
		if err := syscall.Kill(procs["S1"].Pid(), syscall.SIGSTOP); err != nil {
			return err
		}
		t0 := time.Now()
		for el := time.Duration(0); el < 10*time.Second; el = time.Since(t0) {
			gw := ""
			if rs, err := netlink.RouteGet(dst); err == nil && len(rs) > 0 && rs[0].Gw != nil {
				gw = rs[0].Gw.String()
			}
			if gw != "10.13.0.11" && left == 0 {
				left = el
			}
			if gw == "10.13.0.12" {
				moved = el
				return nil
			}
			time.Sleep(10 * time.Millisecond)
		}
		return fmt.Errorf("R still does not route %s via S2 10 s after S1 froze", vip)
	})
	if err != nil {
		t.Fatalf("%v\n%s", err, logs())
	}
	t.Logf("S1 powered off (SIGSTOP): R's kernel stopped routing %s via S1 after %v and routed it via S2 after %v (BFD 50 ms × 3; RIP timeout 180 s)",
		vip, left.Round(time.Millisecond), moved.Round(time.Millisecond))
	if moved > 2*time.Second {
		t.Errorf("R moved to S2 %v after S1 froze: not BFD", moved)
	}

	// S1 back: BFD Up, R asks it for its table, the route returns to it.
	if err := syscall.Kill(procs["S1"].Pid(), syscall.SIGCONT); err != nil {
		t.Fatal(err)
	}
	nstest.Eventually(t, 20*time.Second, func() error {
		if gw := via(); gw != "10.13.0.11" {
			return fmt.Errorf("R routes %s via %q after S1 came back, want S1\n%s", vip, gw, logs())
		}
		return nil
	})
	for _, n := range []string{"S1", "S2", "R"} {
		procs[n].Stop()
	}
	if out, _ := r.Try("ip", "route", "show", "proto", "244"); strings.TrimSpace(out) != "" {
		t.Errorf("routes left in R after SIGTERM: %s", out)
	}
}
