//go:build linux

package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/switchless/routing/internal/nstest"
)

// TestDaemon_ReloadCost: ospfd and FRR's ospfd Full on two point-to-point
// links; eth1's cost is changed in the file and ospfd gets a SIGHUP.
// FRR's copy of our router-LSA carries the new metric on eth1's link in
// the next instance (RFC 2328 §12.4: the router-LSA's contents changed),
// eth0's metric is unchanged, and neither adjacency left Full (FRR's
// state-change counters did not move). An invalid file then changes
// nothing and is logged with file:line; show config keeps the good one.
func TestDaemon_ReloadCost(t *testing.T) {
	nstest.RequireRoot(t)
	bin := nstest.GoBuild(t, ".", "ospfd")
	a, b := nstest.New(t, "rl2a"), nstest.New(t, "rl2b")
	nstest.Veth(t, a, "eth0", b, "eth0")
	nstest.Veth(t, a, "eth1", b, "eth1")
	a.Exec(t, "ip", "addr", "add", "10.0.0.1/30", "dev", "eth0")
	b.Exec(t, "ip", "addr", "add", "10.0.0.2/30", "dev", "eth0")
	a.Exec(t, "ip", "addr", "add", "10.0.1.1/30", "dev", "eth1")
	b.Exec(t, "ip", "addr", "add", "10.0.1.2/30", "dev", "eth1")

	f := nstest.StartFRR(t, b, "ospfd")
	const ifFRR = " ip ospf network point-to-point\n ip ospf area 0\n ip ospf hello-interval 1\n ip ospf dead-interval 4\n"
	f.Start(t, "ospfd", "hostname peer\nlog stdout informational\ninterface eth0\n"+ifFRR+"interface eth1\n"+ifFRR+
		"router ospf\n ospf router-id 10.255.0.2\n log-adjacency-changes detail\n", "show ip ospf json")

	dir := nstest.TempDir(t)
	sock := filepath.Join(dir, "ospfd.sock")
	conf := filepath.Join(dir, "ospfd.yaml")
	file := func(cost1 int) string {
		s := fmt.Sprintf("router_id: 10.255.0.1\nsocket: %s\nspf: {initial_delay: 10ms, short_delay: 100ms, long_delay: 1s}\n"+
			"interfaces:\n  - {name: eth0, network: point-to-point, hello_interval: 1s, dead_interval: 4s, cost: 10}\n", sock)
		if cost1 > 0 {
			s += fmt.Sprintf("  - {name: eth1, network: point-to-point, hello_interval: 1s, dead_interval: 4s, cost: %d}\n", cost1)
		}
		return s
	}
	if err := os.WriteFile(conf, []byte(file(10)), 0o644); err != nil {
		t.Fatal(err)
	}
	proc := a.Start(t, bin, "run", "-config", conf)

	type nbr struct {
		State        string `json:"nbrState"`
		StateChanges int    `json:"stateChangeCounter"`
		Iface        string `json:"ifaceName"`
	}
	neighbors := func() ([]nbr, error) {
		out, err := f.Vtysh("show ip ospf neighbor 10.255.0.1 detail json")
		if err != nil {
			return nil, err
		}
		var v map[string][]nbr
		if err := json.Unmarshal([]byte(out), &v); err != nil {
			return nil, fmt.Errorf("%w: %s", err, out)
		}
		return v["10.255.0.1"], nil
	}
	bothFull := func() error {
		ns, err := neighbors()
		if err != nil {
			return err
		}
		if len(ns) != 2 || !strings.HasPrefix(ns[0].State, "Full") || !strings.HasPrefix(ns[1].State, "Full") {
			return fmt.Errorf("FRR's neighbors %+v\nospfd:\n%s", ns, proc.Output())
		}
		return nil
	}
	// ourLSA is FRR's copy of our router-LSA: its sequence number and the
	// metric of the point-to-point link of each of our addresses.
	ourLSA := func() (uint64, map[string]int, error) {
		out, err := f.Vtysh("show ip ospf database router 10.255.0.1 json")
		if err != nil {
			return 0, nil, err
		}
		var v struct {
			RouterLinkStates struct {
				Areas map[string][]struct {
					Seq   string                    `json:"lsaSeqNumber"`
					Links map[string]map[string]any `json:"routerLinks"`
				} `json:"areas"`
			} `json:"routerLinkStates"`
		}
		if err := json.Unmarshal([]byte(out), &v); err != nil {
			return 0, nil, fmt.Errorf("%w: %s", err, out)
		}
		lsas := v.RouterLinkStates.Areas["0.0.0.0"]
		if len(lsas) != 1 {
			return 0, nil, fmt.Errorf("FRR holds %d router-LSAs of ours: %s", len(lsas), out)
		}
		seq, err := strconv.ParseUint(lsas[0].Seq, 16, 32)
		if err != nil {
			return 0, nil, err
		}
		metrics := map[string]int{}
		for _, l := range lsas[0].Links {
			typ, _ := l["linkType"].(string)
			m, _ := l["tos0Metric"].(float64)
			if !strings.Contains(typ, "point-to-point") {
				continue
			}
			for _, val := range l {
				if s, ok := val.(string); ok && strings.HasPrefix(s, "10.0.") {
					metrics[s] = int(m)
				}
			}
		}
		return seq, metrics, nil
	}
	lsaIs := func(m0, m1 int) func() error {
		return func() error {
			_, ms, err := ourLSA()
			if err != nil {
				return err
			}
			if ms["10.0.0.1"] != m0 || ms["10.0.1.1"] != m1 {
				return fmt.Errorf("FRR sees our metrics %v, want 10.0.0.1=%d 10.0.1.1=%d", ms, m0, m1)
			}
			return nil
		}
	}
	nstest.Eventually(t, 30*time.Second, func() error {
		if err := bothFull(); err != nil {
			return err
		}
		return lsaIs(10, 10)()
	})
	before, _ := neighbors()
	seq0, _, _ := ourLSA()

	if err := os.WriteFile(conf, []byte(file(50)), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Kill(proc.Pid(), syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	// MinLSInterval (5 s) may hold the new instance back.
	nstest.Eventually(t, 15*time.Second, lsaIs(10, 50))
	if seq, _, _ := ourLSA(); seq != seq0+1 {
		t.Errorf("our router-LSA went from %#x to %#x: want exactly one new instance", seq0, seq)
	}
	// A few hellos more, so that a reset would show.
	time.Sleep(2 * time.Second)
	after, _ := neighbors()
	if err := bothFull(); err != nil || fmt.Sprint(before) != fmt.Sprint(after) {
		t.Errorf("FRR's neighbors went from %+v to %+v (%v): an adjacency was touched\nospfd:\n%s", before, after, err, proc.Output())
	}
	out := proc.Output()
	if !strings.Contains(out, "reload: configuration applied") || strings.Count(out, "instance started") != 1 {
		t.Errorf("the reload was not applied in place:\n%s", out)
	}
	showConfig := func() string {
		out, err := a.Try(bin, "show", "config", "-socket", sock)
		if err != nil {
			t.Fatalf("show config: %v\n%s", err, out)
		}
		return out
	}
	if out := showConfig(); !strings.HasSuffix(out, file(50)) {
		t.Errorf("show config after the reload:\n%s", out)
	}

	// The bad reload: nothing changes.
	nstest.RejectedReload(t, proc, conf, file(50)+"max_paths: 0\n", func() error {
		if err := bothFull(); err != nil {
			return err
		}
		if out := showConfig(); !strings.HasSuffix(out, file(50)) {
			return fmt.Errorf("show config:\n%s", out)
		}
		if seq, _, _ := ourLSA(); seq != seq0+1 {
			return fmt.Errorf("our router-LSA is %#x, want %#x", seq, seq0+1)
		}
		return lsaIs(10, 50)()
	})
	// A change that needs a restart: nothing changes either.
	nstest.RestartRequiredReload(t, proc, conf, strings.Replace(file(50), "router_id: 10.255.0.1", "router_id: 10.255.0.9", 1), "router_id", func() error {
		if err := bothFull(); err != nil {
			return err
		}
		return lsaIs(10, 50)()
	})
	after2, _ := neighbors()
	if fmt.Sprint(before) != fmt.Sprint(after2) {
		t.Errorf("FRR's neighbors went from %+v to %+v", before, after2)
	}

	// eth1 removed: its adjacency goes (§9.3 InterfaceDown), eth0's stays;
	// added back: a new socket, Full again.
	eth0Counter := func() (int, error) {
		ns, err := neighbors()
		if err != nil {
			return 0, err
		}
		for _, n := range ns {
			if strings.HasPrefix(n.Iface, "eth0") {
				return n.StateChanges, nil
			}
		}
		return 0, fmt.Errorf("FRR has no neighbour on eth0: %+v", ns)
	}
	c0, err := eth0Counter()
	if err != nil {
		t.Fatal(err)
	}
	for _, step := range []struct {
		body string
		nbrs int
	}{{file(0), 1}, {file(20), 2}} {
		if err := os.WriteFile(conf, []byte(step.body), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := syscall.Kill(proc.Pid(), syscall.SIGHUP); err != nil {
			t.Fatal(err)
		}
		nstest.Eventually(t, 20*time.Second, func() error {
			ns, err := neighbors()
			if err != nil {
				return err
			}
			full := 0
			for _, n := range ns {
				if strings.HasPrefix(n.State, "Full") {
					full++
				}
			}
			if full != step.nbrs || len(ns) != step.nbrs {
				return fmt.Errorf("FRR's neighbours %+v, want %d Full\nospfd:\n%s", ns, step.nbrs, proc.Output())
			}
			return nil
		})
		if c, err := eth0Counter(); err != nil || c != c0 {
			t.Fatalf("eth0's adjacency changed state (%d → %d, %v) when eth1 was removed or added", c0, c, err)
		}
	}
	if n := strings.Count(proc.Output(), "instance started"); n != 1 {
		t.Errorf("the instance was restarted (%d starts):\n%s", n, proc.Output())
	}
}
