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

// TestDaemon_RingAuthRolloverFRR (issue 15): ringd runs vr2 of a 3-node
// ring with ospf_auth (RFC 2328 Appendix D keyed MD5, key 1); FRR's
// ospfd plays vr1 on the link to vr2's west, with the same key. The
// adjacency forms; the key then rolls over to key 2 in the order both
// implementations allow: ringd accepts key 2 beside key 1 (SIGHUP), FRR
// adds key 2 (and, as it does, signs with its newest key at once),
// ringd signs with key 2 (SIGHUP), FRR and ringd drop key 1. The
// adjacency never leaves Full (FRR's state-change counter and ringd's
// log say so) and ringd drops nothing for authentication. A wrong key
// on FRR's side then takes the adjacency down and ringd counts the
// drops.
func TestDaemon_RingAuthRolloverFRR(t *testing.T) {
	nstest.RequireRoot(t)
	bin := nstest.GoBuild(t, ".", "ringd")
	us, peer := nstest.New(t, "ra2n"), nstest.New(t, "ra1f")
	nstest.Veth(t, peer, "r0", us, "west0")
	us.Stub(t, "east0", "10.254.0.1/31") // vr2's east: nobody there
	us.Stub(t, "lan0", "10.2.0.1/24")
	peer.Exec(t, "ip", "addr", "add", "10.255.0.0/31", "dev", "r0")

	f := nstest.StartFRR(t, peer, "ospfd")
	f.Start(t, "ospfd", `hostname peer
interface r0
 ip ospf network point-to-point
 ip ospf area 0
 ip ospf authentication message-digest
 ip ospf message-digest-key 1 md5 first
router ospf
 ospf router-id 10.1.0.1
`, "show ip ospf")
	vtysh := func(cmds ...string) {
		args := []string{"--vty_socket", f.Dir, "-c", "configure terminal", "-c", "interface r0"}
		for _, c := range cmds {
			args = append(args, "-c", c)
		}
		if out, err := peer.Try("vtysh", args...); err != nil {
			t.Fatalf("vtysh %v: %v: %s", cmds, err, out)
		}
	}

	dir := nstest.TempDir(t)
	sock := filepath.Join(dir, "vr2.sock")
	conf := filepath.Join(dir, "vr2.yaml")
	file := func(keys string) string {
		return fmt.Sprintf(`node: vr2
interfaces: {east: east0, west: west0, lan0: lan0}
socket: %s
profile: rfc
link_pool: 10.255.0.0/24
upstream: {prefix: 192.0.2.0/24, gateway: 192.0.2.1, vip: 192.0.2.254, vrid: 10}
ospf_auth:
  type: crypto
  keys: [%s]
nodes:
  - {name: vr1, lans: [10.1.0.1/24]}
  - {name: vr2, lans: [10.2.0.1/24]}
  - {name: vr3, lans: [10.3.0.1/24]}
`, sock, keys)
	}
	k1, k2 := "{id: 1, algorithm: md5, secret: first}", "{id: 2, algorithm: md5, secret: second}"
	write := func(keys string) {
		if err := os.WriteFile(conf, []byte(file(keys)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(k1)
	proc := us.Start(t, bin, "run", "-config", conf)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("ringd output:\n%s", proc.Output())
		}
	})
	type nbr struct {
		State        string `json:"nbrState"`
		StateChanges int    `json:"stateChangeCounter"`
	}
	frrNbr := func() (nbr, error) {
		out, err := f.Vtysh("show ip ospf neighbor 10.2.0.1 detail json")
		var v map[string][]nbr
		if err != nil || json.Unmarshal([]byte(out), &v) != nil || len(v["10.2.0.1"]) != 1 {
			return nbr{}, fmt.Errorf("FRR's neighbour vr2: %v %s", err, out)
		}
		return v["10.2.0.1"][0], nil
	}
	authDrops := func() uint64 {
		out, err := us.Try(bin, "show", "node", "-json", "-socket", sock)
		var st struct {
			Interfaces []struct {
				Name    string            `json:"name"`
				Dropped map[string]uint64 `json:"dropped"`
			} `json:"interfaces"`
		}
		if err != nil || json.Unmarshal([]byte(out), &st) != nil {
			t.Fatalf("show: %v %s", err, out)
		}
		for _, i := range st.Interfaces {
			if i.Name == "west" {
				return i.Dropped["auth"] + i.Dropped["auth-type"] + i.Dropped["auth-replay"]
			}
		}
		return 0
	}
	nstest.Eventually(t, 60*time.Second, func() error {
		n, err := frrNbr()
		if err == nil && !strings.HasPrefix(n.State, "Full") {
			err = fmt.Errorf("FRR's neighbour vr2: %s", n.State)
		}
		return err
	})
	time.Sleep(time.Second)
	n0, _ := frrNbr()
	drops0 := authDrops()
	lines0 := strings.Count(proc.Output(), "ospf: neighbor state")
	reload := func(keys string) {
		t.Helper()
		write(keys)
		if err := syscall.Kill(proc.Pid(), syscall.SIGHUP); err != nil {
			t.Fatal(err)
		}
		nstest.Eventually(t, 10*time.Second, func() error {
			if n := strings.Count(proc.Output(), "reload: configuration applied"); n == 0 {
				return fmt.Errorf("no reload applied yet")
			}
			return nil
		})
		time.Sleep(3 * time.Second) // a hello each way under the new keys
	}
	reload(k1 + ", " + k2)
	vtysh("ip ospf message-digest-key 2 md5 second")
	time.Sleep(3 * time.Second)
	reload(k2 + ", " + k1)
	vtysh("no ip ospf message-digest-key 1")
	reload(k2)
	time.Sleep(12 * time.Second) // past a HelloInterval: FRR's hello signed with key 2 only
	n1, err := frrNbr()
	if err != nil || !strings.HasPrefix(n1.State, "Full") || n1.StateChanges != n0.StateChanges {
		t.Errorf("FRR's neighbour vr2 went from %+v to %+v (%v)", n0, n1, err)
	}
	if d := authDrops() - drops0; d != 0 {
		t.Errorf("ringd dropped %d packets for authentication during the rollover", d)
	}
	if n := strings.Count(proc.Output(), "ospf: neighbor state"); n != lines0 {
		t.Errorf("ringd's neighbour changed state during the rollover")
	}
	// A key ringd does not have.
	vtysh("no ip ospf message-digest-key 2", "ip ospf message-digest-key 3 md5 other")
	nstest.Eventually(t, 60*time.Second, func() error {
		if authDrops() == drops0 {
			return fmt.Errorf("no authentication drop counted for FRR's key 3")
		}
		return nil
	})
	if !strings.Contains(proc.Output(), "packet dropped") {
		t.Errorf("ringd logged no dropped packet for the wrong key")
	}
}
