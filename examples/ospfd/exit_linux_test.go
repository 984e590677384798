//go:build linux

package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/switchless/routing/internal/nstest"
)

// TestExit_Ospfd (issue 14): ospfd (10.255.0.1: eth0 point-to-point to
// FRR, a passive lan0, a redistributed vm0) Full with FRR's ospfd, then
// one signal after another:
//
//   - SIGHUP, the file unchanged: ospfd keeps running, FRR's neighbour
//     state-change counter and our LSAs' sequence numbers do not move,
//     the routes stay in both kernels and FRR's routes through us keep
//     their uptime.
//   - SIGKILL, then a restart with the same file: the dead run's socket,
//     lock and kernel routes are there and do not block it; the routes of
//     proto 243 it left are reclaimed (no duplicates: the kernel's table
//     is the one before the kill), FRR's database holds exactly one
//     router-LSA from us, and each of our LSAs has a sequence number above
//     the dead run's (RFC 2328 §13.4: the restarted router, hearing its
//     own newer LSA, originates seq+1), and the kernel is `show routes`.
//   - SIGTERM: exit 0, no proto 243 route, socket or lock left; our LSAs
//     leave FRR's database (MaxAge or gone, §14.1) and FRR routes nothing
//     through us any more, in zebra or in its kernel.
func TestExit_Ospfd(t *testing.T) {
	nstest.RequireRoot(t)
	bin := nstest.GoBuild(t, ".", "ospfd")
	a, b := nstest.New(t, "exoa"), nstest.New(t, "exob")
	nstest.Veth(t, a, "eth0", b, "eth0")
	a.Exec(t, "ip", "addr", "add", "10.0.0.1/30", "dev", "eth0")
	b.Exec(t, "ip", "addr", "add", "10.0.0.2/30", "dev", "eth0")
	a.Stub(t, "lan0", "192.168.1.1/24")
	b.Stub(t, "lan0", "192.168.2.1/24")
	a.Stub(t, "vm0", "172.16.1.1/24")

	f := nstest.StartFRR(t, b, "ospfd")
	f.Start(t, "ospfd", "hostname peer\ninterface eth0\n ip ospf network point-to-point\n ip ospf area 0\n"+
		" ip ospf hello-interval 1\n ip ospf dead-interval 4\ninterface lan0\n ip ospf area 0\n ip ospf passive\n"+
		"router ospf\n ospf router-id 10.255.0.2\n timers throttle spf 10 100 1000\n", "show ip ospf json")

	dir := nstest.TempDir(t)
	sock := filepath.Join(dir, "ospfd.sock")
	lock := sock + ".lock"
	conf := filepath.Join(dir, "ospfd.yaml")
	if err := os.WriteFile(conf, []byte(fmt.Sprintf(`router_id: 10.255.0.1
socket: %s
spf: {initial_delay: 10ms, short_delay: 100ms, long_delay: 1s}
interfaces:
  - {name: eth0, network: point-to-point, hello_interval: 1s, dead_interval: 4s}
  - {name: lan0, passive: true}
redistribute:
  connected: {metric: 30}
`, sock)), 0o644); err != nil {
		t.Fatal(err)
	}
	var proc *nstest.Proc
	start := func() { proc = a.Start(t, bin, "run", "-config", conf) }
	t.Cleanup(func() {
		if t.Failed() && proc != nil {
			t.Logf("ospfd's output:\n%s", proc.Output())
		}
	})

	// stateChanges is FRR's neighbour state-change counter for us, and
	// its state.
	stateChanges := func() (int, string, error) {
		out, err := f.Vtysh("show ip ospf neighbor 10.255.0.1 detail json")
		if err != nil {
			return 0, "", err
		}
		var v map[string][]struct {
			State   string `json:"nbrState"`
			Changes int    `json:"stateChangeCounter"`
		}
		if err := json.Unmarshal([]byte(out), &v); err != nil {
			return 0, "", fmt.Errorf("%w: %s", err, out)
		}
		if len(v["10.255.0.1"]) != 1 {
			return 0, "", fmt.Errorf("FRR's neighbours: %s", out)
		}
		n := v["10.255.0.1"][0]
		return n.Changes, n.State, nil
	}
	kernel := func(t *testing.T, ns *nstest.NS, proto string) []nstest.KernelRoute {
		t.Helper()
		rs, err := ns.KernelRoutes(proto)
		if err != nil {
			t.Fatal(err)
		}
		return rs
	}
	// converged: Full, FRR's LAN in our kernel, ours and vm0's in FRR's.
	converged := func(t *testing.T) func() error {
		return func() error {
			if _, st, err := stateChanges(); err != nil || !strings.HasPrefix(st, "Full") {
				return fmt.Errorf("FRR's neighbour: %q %v", st, err)
			}
			if got := dsts(kernel(t, a, "243")); !slices.Equal(got, []string{"192.168.2.0/24"}) {
				return fmt.Errorf("our kernel's proto 243 routes: %v", got)
			}
			got := map[string]bool{}
			for _, r := range kernel(t, b, "ospf") {
				if slices.Equal(r.Hops(), []string{"10.0.0.1@eth0"}) {
					got[r.Dst] = true
				}
			}
			if !got["192.168.1.0/24"] || !got["172.16.1.0/24"] {
				return fmt.Errorf("FRR's kernel routes through us: %v", got)
			}
			return nil
		}
	}
	ourLSAs := func() (map[string]frrLSA, error) {
		out, err := f.Vtysh("show ip ospf database json")
		if err != nil {
			return nil, err
		}
		return frrLSAsOf([]byte(out), "10.255.0.1")
	}

	// selfLSAs is ospfd's own database: its self-originated LSAs' sequence
	// numbers, keyed as frrLSAsOf keys FRR's.
	selfLSAs := func() (map[string]uint32, error) {
		out, err := a.Try(bin, "show", "database", "-json", "-socket", sock)
		if err != nil {
			return nil, err
		}
		var db []LSAView
		if err := json.Unmarshal([]byte(out), &db); err != nil {
			return nil, fmt.Errorf("%w: %s", err, out)
		}
		m := map[string]uint32{}
		for _, l := range db {
			seq, err := strconv.ParseUint(strings.TrimPrefix(l.Seq, "0x"), 16, 32)
			if l.Self && err == nil {
				m[strings.ReplaceAll(strings.ToLower(l.Type), "-", "")+" "+l.ID.String()] = uint32(seq)
			}
		}
		return m, nil
	}

	start()
	nstest.Eventually(t, 40*time.Second, converged(t))

	steps := []struct {
		name string
		run  func(t *testing.T)
	}{
		{"SIGHUP", func(t *testing.T) {
			c0, _, err := stateChanges()
			if err != nil {
				t.Fatal(err)
			}
			lsas0, err := ourLSAs()
			if err != nil {
				t.Fatal(err)
			}
			ours0, theirs0 := kernel(t, a, "243"), kernel(t, b, "ospf")
			zebra0, err := f.Routes("ospf")
			if err != nil {
				t.Fatal(err)
			}
			nstest.UnchangedReload(t, proc)
			time.Sleep(3 * time.Second) // three hellos: a reset would show
			if done, err := proc.Exited(); done {
				t.Fatalf("ospfd exited on SIGHUP: %v", err)
			}
			if c, st, err := stateChanges(); err != nil || c != c0 || !strings.HasPrefix(st, "Full") {
				t.Errorf("FRR's neighbour went from %d state changes to %d (%s, %v): the adjacency flapped", c0, c, st, err)
			}
			if lsas, err := ourLSAs(); err != nil || fmt.Sprint(seqs(lsas)) != fmt.Sprint(seqs(lsas0)) {
				t.Errorf("our LSAs in FRR's database went from %v to %v (%v): re-originated on an unchanged file", lsas0, lsas, err)
			}
			if k := kernel(t, a, "243"); fmt.Sprint(k) != fmt.Sprint(ours0) {
				t.Errorf("our kernel went from %v to %v", ours0, k)
			}
			if k := kernel(t, b, "ospf"); fmt.Sprint(k) != fmt.Sprint(theirs0) {
				t.Errorf("FRR's kernel went from %v to %v", theirs0, k)
			}
			zebra, err := f.Routes("ospf")
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range []string{"192.168.1.0/24", "172.16.1.0/24"} {
				if len(zebra[p]) != 1 || len(zebra0[p]) != 1 || zebra[p][0].Age() < zebra0[p][0].Age()+3*time.Second {
					t.Errorf("FRR's route to %s was reinstalled: uptime %v before, %v 3 s later", p, zebra0[p], zebra[p])
				}
			}
			if n := strings.Count(proc.Output(), "instance started"); n != 1 {
				t.Errorf("the instance started %d times", n)
			}
		}},
		{"SIGKILL-restart", func(t *testing.T) {
			lsas0, err := ourLSAs()
			if err != nil {
				t.Fatal(err)
			}
			if n := countType(lsas0, "router"); n != 1 {
				t.Fatalf("FRR holds %d router-LSAs of ours: %v", n, lsas0)
			}
			ours0 := kernel(t, a, "243")
			proc.Kill()
			// What the dead run left: what the restart must not trip on
			// (socket, lock) and must clean (its routes).
			if err := nstest.Absent(sock, lock); err == nil {
				t.Fatalf("SIGKILL left no socket or lock: nothing to test")
			}
			if k := kernel(t, a, "243"); fmt.Sprint(k) != fmt.Sprint(ours0) {
				t.Fatalf("the killed run's routes are %v, want %v left behind", k, ours0)
			}
			dead := proc
			start()
			nstest.AwaitRestart(t, proc, "ospfd running", 40*time.Second, func() error {
				if err := converged(t)(); err != nil {
					return err
				}
				lsas, err := ourLSAs()
				if err != nil {
					return err
				}
				if n := countType(lsas, "router"); n != 1 {
					return fmt.Errorf("FRR holds %d router-LSAs of ours: %v", n, lsas)
				}
				if !sameKeys(lsas, lsas0) {
					return fmt.Errorf("our LSAs in FRR's database are %v, were %v", lsas, lsas0)
				}
				mine, err := selfLSAs()
				if err != nil {
					return err
				}
				for k, l := range lsas {
					// The router-LSA changed since the dead run's first
					// instance (the adjacency came up), so the restart's
					// first one is older than FRR's copy: §13.4 makes it
					// seq+1. An LSA whose first instance is unchanged
					// (the AS-external) may come back as the same
					// instance (§13.1: same seq and checksum).
					older := l.Seq < lsas0[k].Seq || strings.HasPrefix(k, "router ") && l.Seq == lsas0[k].Seq
					if older || l.Age >= 3600 || mine[k] != l.Seq {
						return fmt.Errorf("FRR's %s: seq %#x age %d, the dead run's %#x, ours now %#x (§13.4)", k, l.Seq, l.Age, lsas0[k].Seq, mine[k])
					}
				}
				return nil
			})
			if k := kernel(t, a, "243"); fmt.Sprint(k) != fmt.Sprint(ours0) {
				t.Errorf("our kernel after the restart: %v, before the kill: %v", k, ours0)
			}
			out, err := a.Try(bin, "show", "routes", "-json", "-socket", sock)
			var rt RoutesView
			if err != nil || json.Unmarshal([]byte(out), &rt) != nil {
				t.Fatalf("show routes -json: %v\n%s", err, out)
			}
			if want, got := installed(rt), kernelView(kernel(t, a, "243")); !slices.Equal(want, got) {
				t.Errorf("show routes installs %v; the kernel has %v", want, got)
			}
			if !strings.Contains(dead.Output(), "ospfd running") {
				t.Errorf("the dead run never ran:\n%s", dead.Output())
			}
		}},
		{"SIGTERM", func(t *testing.T) {
			nstest.TerminatedClean(t, proc, 10*time.Second, a, "243", sock, lock)
			nstest.Eventually(t, 15*time.Second, func() error {
				lsas, err := ourLSAs()
				if err != nil {
					return err
				}
				for k, l := range lsas {
					if l.Age < 3600 {
						return fmt.Errorf("FRR still holds our %s at age %d", k, l.Age)
					}
				}
				zebra, err := f.Routes("")
				if err != nil {
					return err
				}
				for p, rs := range zebra {
					for _, r := range rs {
						for _, h := range r.NextHops {
							if h.IP == "10.0.0.1" {
								return fmt.Errorf("FRR still routes %s through us: %+v", p, r)
							}
						}
					}
				}
				if via, err := b.RoutesVia("ospf", "10.0.0.1"); err != nil || len(via) != 0 {
					return fmt.Errorf("FRR's kernel still routes through us: %v %v", via, err)
				}
				return nil
			})
		}},
	}
	for _, s := range steps {
		if !t.Run(s.name, s.run) {
			break
		}
	}
}

// frrLSA is one LSA of FRR's database: its sequence number and age.
type frrLSA struct {
	Seq uint32
	Age int
}

// frrLSAsOf finds the LSAs advertised by router in FRR's `show ip ospf
// database json`, keyed "KIND ID" where KIND is the name of the array
// holding it, lower-case, without "LinkStates" ("router", "asexternal"),
// wherever in the document.
func frrLSAsOf(doc []byte, router string) (map[string]frrLSA, error) {
	var v any
	if err := json.Unmarshal(doc, &v); err != nil {
		return nil, fmt.Errorf("%w: %s", err, doc)
	}
	out := map[string]frrLSA{}
	var errs []error
	var walk func(v any, kind string)
	walk = func(v any, kind string) {
		switch x := v.(type) {
		case map[string]any:
			if x["advertisedRouter"] == router {
				id, _ := x["lsId"].(string)
				seqS, _ := x["sequenceNumber"].(string)
				age, _ := x["lsaAge"].(float64)
				seq, err := strconv.ParseUint(strings.TrimPrefix(seqS, "0x"), 16, 32)
				if err != nil {
					errs = append(errs, fmt.Errorf("%s %s: sequence number %q", kind, id, seqS))
				}
				out[strings.ToLower(strings.TrimSuffix(kind, "LinkStates"))+" "+id] = frrLSA{Seq: uint32(seq), Age: int(age)}
				return
			}
			for k, c := range x {
				walk(c, k)
			}
		case []any:
			for _, c := range x {
				walk(c, kind)
			}
		}
	}
	walk(v, "")
	if len(errs) > 0 {
		return nil, fmt.Errorf("%v: %s", errs, doc)
	}
	return out, nil
}

// seqs is each LSA's sequence number: what a new instance changes (its
// age grows by itself).
func seqs(lsas map[string]frrLSA) map[string]uint32 {
	out := map[string]uint32{}
	for k, l := range lsas {
		out[k] = l.Seq
	}
	return out
}

func countType(lsas map[string]frrLSA, kind string) int {
	n := 0
	for k := range lsas {
		if strings.HasPrefix(k, kind+" ") {
			n++
		}
	}
	return n
}

func sameKeys(a, b map[string]frrLSA) bool {
	if len(a) != len(b) {
		return false
	}
	for k := range a {
		if _, ok := b[k]; !ok {
			return false
		}
	}
	return true
}

func dsts(rs []nstest.KernelRoute) []string {
	var out []string
	for _, r := range rs {
		out = append(out, r.Dst)
	}
	return out
}

// installed is what ospfd's table puts in the kernel (fibRoute: not
// connected, a next hop), as "PREFIX [GATEWAY@IFACE ...]", sorted.
func installed(rt RoutesView) []string {
	var out []string
	for _, r := range rt.Routes {
		if r.Connected || len(r.NextHops) == 0 {
			continue
		}
		var hops []string
		for _, h := range r.NextHops {
			gw := ""
			if h.Gateway.IsValid() {
				gw = h.Gateway.String()
			}
			hops = append(hops, gw+"@"+h.Interface)
		}
		slices.Sort(hops)
		out = append(out, fmt.Sprintf("%v %v", r.Prefix, hops))
	}
	slices.Sort(out)
	return out
}

// kernelView is rs as installed spells routes.
func kernelView(rs []nstest.KernelRoute) []string {
	var out []string
	for _, r := range rs {
		out = append(out, fmt.Sprintf("%s %v", r.Dst, r.Hops()))
	}
	slices.Sort(out)
	return out
}
