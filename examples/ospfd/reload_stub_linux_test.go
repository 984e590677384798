//go:build linux

package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/switchless/routing/internal/nstest"
)

// TestDaemon_ReloadStubRouter_RFC6987: ospfd and FRR's ospfd Full on a
// point-to-point link; `stub_router: {administrative: true}` written to
// the file and a SIGHUP make FRR's copy of our router-LSA carry
// MaxLinkMetric (65535) on the link to FRR while the stub link of the
// /30 keeps its cost 10 (RFC 6987 §2); the adjacency stays Full (FRR's
// state-change counter does not move); removing the key and another
// SIGHUP bring the cost 10 back.
func TestDaemon_ReloadStubRouter_RFC6987(t *testing.T) {
	nstest.RequireRoot(t)
	bin := nstest.GoBuild(t, ".", "ospfd")
	a, b := nstest.New(t, "rsra"), nstest.New(t, "rsrb")
	nstest.Veth(t, a, "eth0", b, "eth0")
	a.Exec(t, "ip", "addr", "add", "10.0.0.1/30", "dev", "eth0")
	b.Exec(t, "ip", "addr", "add", "10.0.0.2/30", "dev", "eth0")

	f := nstest.StartFRR(t, b, "ospfd")
	f.Start(t, "ospfd", "hostname peer\nlog stdout informational\ninterface eth0\n ip ospf network point-to-point\n ip ospf area 0\n"+
		" ip ospf hello-interval 1\n ip ospf dead-interval 4\nrouter ospf\n ospf router-id 10.255.0.2\n", "show ip ospf json")

	dir := nstest.TempDir(t)
	sock := filepath.Join(dir, "ospfd.sock")
	conf := filepath.Join(dir, "ospfd.yaml")
	file := func(stub string) []byte {
		return []byte(fmt.Sprintf("router_id: 10.255.0.1\nsocket: %s\nmin_ls_interval: 1s\n"+
			"interfaces:\n  - {name: eth0, network: point-to-point, hello_interval: 1s, dead_interval: 4s, cost: 10}\n%s", sock, stub))
	}
	if err := os.WriteFile(conf, file(""), 0o644); err != nil {
		t.Fatal(err)
	}
	proc := a.Start(t, bin, "run", "-config", conf)

	// links are the metrics of FRR's copy of our router-LSA by link type.
	links := func() (map[string]int, error) {
		out, err := f.Vtysh("show ip ospf database router 10.255.0.1 json")
		if err != nil {
			return nil, err
		}
		var v struct {
			RouterLinkStates struct {
				Areas map[string][]struct {
					Links map[string]map[string]any `json:"routerLinks"`
				} `json:"areas"`
			} `json:"routerLinkStates"`
		}
		if err := json.Unmarshal([]byte(out), &v); err != nil {
			return nil, fmt.Errorf("%w: %s", err, out)
		}
		lsas := v.RouterLinkStates.Areas["0.0.0.0"]
		if len(lsas) != 1 {
			return nil, fmt.Errorf("FRR holds %d router-LSAs of ours: %s", len(lsas), out)
		}
		ms := map[string]int{}
		for _, l := range lsas[0].Links {
			typ, _ := l["linkType"].(string)
			m, _ := l["tos0Metric"].(float64)
			switch {
			case strings.Contains(typ, "point-to-point"):
				ms["p2p"] = int(m)
			case strings.Contains(typ, "Stub"):
				ms["stub"] = int(m)
			}
		}
		return ms, nil
	}
	want := func(p2p, stub int) func() error {
		return func() error {
			ms, err := links()
			if err != nil {
				return err
			}
			if ms["p2p"] != p2p || ms["stub"] != stub {
				return fmt.Errorf("FRR sees our link metrics %v, want p2p %d stub %d\nospfd:\n%s", ms, p2p, stub, proc.Output())
			}
			return nil
		}
	}
	changes := func() string {
		out, _ := f.Vtysh("show ip ospf neighbor 10.255.0.1 detail json")
		return out
	}
	nstest.Eventually(t, 30*time.Second, want(10, 10))
	before := changes()

	reload := func(stub string) {
		t.Helper()
		if err := os.WriteFile(conf, file(stub), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := syscall.Kill(proc.Pid(), syscall.SIGHUP); err != nil {
			t.Fatal(err)
		}
	}
	reload("stub_router: {administrative: true}\n")
	nstest.Eventually(t, 10*time.Second, want(0xffff, 10))
	reload("")
	nstest.Eventually(t, 10*time.Second, want(10, 10))
	if after := changes(); !strings.Contains(after, `"nbrState":"Full`) || extractCounter(before) == "none" || extractCounter(before) != extractCounter(after) {
		t.Errorf("FRR's neighbour went from\n%s\nto\n%s\n(the adjacency was touched)", before, after)
	}
	if out := proc.Output(); strings.Count(out, "reload: configuration applied") != 2 || strings.Count(out, "instance started") != 1 {
		t.Errorf("the reloads were not applied in place:\n%s", out)
	}
}

// extractCounter is FRR's stateChangeCounter in a neighbour's JSON.
func extractCounter(js string) string {
	_, rest, ok := strings.Cut(js, `"stateChangeCounter":`)
	if !ok {
		return "none"
	}
	n, _, _ := strings.Cut(rest, ",")
	return strings.TrimSpace(n)
}
