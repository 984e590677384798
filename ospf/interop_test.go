//go:build linux

package ospf

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/switchless/routing"
	"github.com/switchless/routing/internal/nstest"
	"github.com/switchless/routing/internal/transport"
)

// Interop tests: our Instance on real raw sockets in one network namespace,
// FRR's ospfd (with zebra) or BIRD 2 in another, joined by veth pairs. The
// peer is asked for its view (vtysh / birdc), which is the ground truth.
// They need root and the binaries; they skip otherwise (fail with CI=true).

// nsPair is two namespaces joined by n veth pairs veth0..veth(n-1), with
// addresses 10.0.<i>.1/24 (ours, namespace a) and 10.0.<i>.2/24 (peer, b).
type nsPair struct {
	a, b *nstest.NS
}

func newNSPair(t *testing.T, links int) *nsPair {
	t.Helper()
	p := &nsPair{a: nstest.New(t, "o4a"), b: nstest.New(t, "o4b")}
	for i := range links {
		name := fmt.Sprintf("veth%d", i)
		nstest.Veth(t, p.a, name, p.b, name)
		p.a.Exec(t, "ip", "addr", "add", fmt.Sprintf("10.0.%d.1/24", i), "dev", name)
		p.b.Exec(t, "ip", "addr", "add", fmt.Sprintf("10.0.%d.2/24", i), "dev", name)
	}
	return p
}

// testLogWriter sends log lines to t.Log until the test ends.
type testLogWriter struct {
	mu   sync.Mutex
	t    testing.TB
	done bool
}

func (w *testLogWriter) Write(b []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.done {
		w.t.Log(strings.TrimRight(string(b), "\n"))
	}
	return len(b), nil
}

// ours starts an Instance in ns on real raw IP transports.
func startOurs(t *testing.T, ns *nstest.NS, cfg Config) *Instance {
	t.Helper()
	w := &testLogWriter{t: t}
	var out io.Writer = w
	level := slog.LevelInfo
	if os.Getenv("OSPF_INTEROP_DEBUG") != "" {
		level = slog.LevelDebug
	}
	log := slog.New(slog.NewTextHandler(out, &slog.HandlerOptions{Level: level}))
	trs := map[string]routing.Transport{}
	for i, ic := range cfg.Interfaces {
		tr, err := transport.ListenIP(context.Background(), transport.IPConfig{
			Namespace: ns.Name(), Interface: ic.Name, Protocol: transport.ProtocolOSPF,
		})
		if err != nil {
			t.Fatal(err)
		}
		trs[ic.Name] = tr
		cfg.Interfaces[i].IfIndex = tr.IfIndex()
	}
	in, err := New(cfg, routing.SystemClock(), trs, log)
	if err != nil {
		t.Fatal(err)
	}
	if err := in.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := in.Stop(ctx); err != nil {
			t.Errorf("Stop: %v", err)
		}
		w.mu.Lock()
		w.done = true
		w.mu.Unlock()
	})
	return in
}

// ourFull waits until in has want Full neighbors.
func ourFull(t *testing.T, in *Instance, want int, timeout time.Duration) {
	t.Helper()
	nstest.Eventually(t, timeout, func() error {
		got := 0
		for _, n := range in.Neighbors() {
			if n.State == NbrFull {
				got++
			}
		}
		if got != want {
			return fmt.Errorf("we have %d Full neighbors, want %d: %+v", got, want, in.Neighbors())
		}
		return nil
	})
}

// lsaID is what two routers must agree on for an LSA: identity, sequence
// number and checksum (ages differ).
type lsaID struct {
	Type     LSType
	ID, Adv  netip.Addr
	Seq      uint32
	Checksum uint16
}

func (l lsaID) String() string {
	return fmt.Sprintf("%v %v %v %#08x %#04x", l.Type, l.ID, l.Adv, l.Seq, l.Checksum)
}

// ourLSAs lists our database, leaving out MaxAge LSAs (being flushed,
// which peers may already have dropped).
func ourLSAs(in *Instance) []lsaID {
	var out []lsaID
	for _, e := range in.LSDB(LSDBFilter{}) {
		h := e.LSA.Header
		if lsAge(h.Age) == MaxAge {
			continue
		}
		out = append(out, lsaID{h.Type, h.ID, h.AdvRouter, uint32(h.Seq), h.Checksum})
	}
	slices.SortFunc(out, func(a, b lsaID) int { return strings.Compare(a.String(), b.String()) })
	return out
}

func sameLSAs(ours, theirs []lsaID) error {
	slices.SortFunc(theirs, func(a, b lsaID) int { return strings.Compare(a.String(), b.String()) })
	if slices.Equal(ours, theirs) {
		return nil
	}
	var b strings.Builder
	b.WriteString("databases differ\nours:\n")
	for _, l := range ours {
		fmt.Fprintln(&b, " ", l)
	}
	b.WriteString("peer's:\n")
	for _, l := range theirs {
		fmt.Fprintln(&b, " ", l)
	}
	return fmt.Errorf("%s", b.String())
}

// ---- FRR ----

// frr is FRR's zebra and ospfd in their own runtime directory.
type frr struct {
	ns    *nstest.NS
	dir   string
	conf  string
	zebra *nstest.Proc
	ospfd *nstest.Proc
}

func startFRR(t *testing.T, ns *nstest.NS, ospfConf string) *frr {
	t.Helper()
	zebra := nstest.RequireBinary(t, "zebra")
	nstest.RequireBinary(t, "ospfd")
	nstest.RequireBinary(t, "vtysh")
	f := &frr{ns: ns, dir: nstest.TempDir(t), conf: ospfConf}
	if err := os.WriteFile(filepath.Join(f.dir, "zebra.conf"), []byte("hostname peer\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	f.zebra = ns.Start(t, zebra, f.args("zebra")...)
	// ospfd connects to zebra's socket; wait for it.
	nstest.Eventually(t, 10*time.Second, func() error {
		_, err := os.Stat(filepath.Join(f.dir, "zserv.api"))
		return err
	})
	f.startOSPFD(t)
	return f
}

func (f *frr) args(daemon string) []string {
	return []string{
		"-f", filepath.Join(f.dir, daemon+".conf"),
		"-i", filepath.Join(f.dir, daemon+".pid"),
		"-z", filepath.Join(f.dir, "zserv.api"),
		"--vty_socket", f.dir,
		"-P", "0", // no TCP vty
		"--log", "stdout",
	}
}

func (f *frr) startOSPFD(t *testing.T) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(f.dir, "ospfd.conf"), []byte(f.conf), 0o644); err != nil {
		t.Fatal(err)
	}
	ospfd, _ := nstest.LookBinary("ospfd")
	f.ospfd = f.ns.Start(t, ospfd, f.args("ospfd")...)
	nstest.Eventually(t, 10*time.Second, func() error {
		_, err := f.vtysh("show ip ospf json")
		return err
	})
}

// restart stops ospfd (SIGTERM: it flushes its LSAs) and starts it again.
func (f *frr) restart(t *testing.T) {
	t.Helper()
	f.ospfd.Stop()
	f.startOSPFD(t)
}

func (f *frr) vtysh(cmd string) (string, error) {
	return f.ns.Try("vtysh", "--vty_socket", f.dir, "-c", cmd)
}

func (f *frr) jsonCmd(cmd string, v any) error {
	out, err := f.vtysh(cmd)
	if err != nil {
		return err
	}
	if err := json.Unmarshal([]byte(out), v); err != nil {
		return fmt.Errorf("%s: %w: %s", cmd, err, out)
	}
	return nil
}

// frrNeighbor is one entry of `show ip ospf neighbor json` (FRR 8.4).
type frrNeighbor struct {
	State   string `json:"nbrState"`
	Address string `json:"ifaceAddress"`
	Iface   string `json:"ifaceName"`
	Prio    int    `json:"nbrPriority"`
	Role    string `json:"role"`
}

func (f *frr) neighbors() (map[string][]frrNeighbor, error) {
	var v struct {
		Neighbors map[string][]frrNeighbor `json:"neighbors"`
	}
	err := f.jsonCmd("show ip ospf neighbor json", &v)
	return v.Neighbors, err
}

// waitFull waits until FRR lists rid as Full.
func (f *frr) waitFull(t *testing.T, rid string, timeout time.Duration) frrNeighbor {
	t.Helper()
	var got frrNeighbor
	nstest.Eventually(t, timeout, func() error {
		ns, err := f.neighbors()
		if err != nil {
			return err
		}
		for _, n := range ns[rid] {
			if strings.HasPrefix(n.State, "Full") {
				got = n
				return nil
			}
		}
		return fmt.Errorf("FRR's neighbors: %+v", ns)
	})
	return got
}

// frrIface is the part of `show ip ospf interface json` we check.
type frrIface struct {
	State     string `json:"state"`
	DRID      string `json:"drId"`
	DRAddr    string `json:"drAddress"`
	BDRID     string `json:"bdrId"`
	BDRAddr   string `json:"bdrAddress"`
	Priority  int    `json:"priority"`
	HelloMsec int    `json:"timerMsecs"`
	DeadSecs  int    `json:"timerDeadSecs"`
}

func (f *frr) iface(name string) (frrIface, error) {
	var v struct {
		Interfaces map[string]frrIface `json:"interfaces"`
	}
	err := f.jsonCmd("show ip ospf interface "+name+" json", &v)
	return v.Interfaces[name], err
}

// lsas lists FRR's database from `show ip ospf database json`, leaving
// out MaxAge LSAs. FRR 8.4 prints, per area, arrays per LSA type.
func (f *frr) lsas() ([]lsaID, error) {
	out, err := f.vtysh("show ip ospf database json")
	if err != nil {
		return nil, err
	}
	var v struct {
		Areas map[string]map[string]json.RawMessage `json:"areas"`
		AS    map[string]json.RawMessage            `json:"asExternalLinkStates"`
	}
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		return nil, fmt.Errorf("%w: %s", err, out)
	}
	types := map[string]LSType{
		"routerLinkStates": LSTypeRouter, "networkLinkStates": LSTypeNetwork,
		"summaryLinkStates": LSTypeSummaryNetwork, "asbrSummaryLinkStates": LSTypeSummaryASBR,
	}
	var res []lsaID
	for _, area := range v.Areas {
		for key, raw := range area {
			t, ok := types[key]
			if !ok {
				continue
			}
			var entries []struct {
				LSID  string `json:"lsId"`
				Adv   string `json:"advertisedRouter"`
				Age   int    `json:"lsaAge"`
				Seq   string `json:"sequenceNumber"`
				Cksum string `json:"checksum"`
			}
			if err := json.Unmarshal(raw, &entries); err != nil {
				return nil, fmt.Errorf("%s: %w: %s", key, err, raw)
			}
			for _, e := range entries {
				if e.Age >= MaxAge {
					continue
				}
				seq, err1 := strconv.ParseUint(e.Seq, 16, 32)
				ck, err2 := strconv.ParseUint(strings.TrimPrefix(e.Cksum, "0x"), 16, 16)
				id, err3 := netip.ParseAddr(e.LSID)
				adv, err4 := netip.ParseAddr(e.Adv)
				if err1 != nil || err2 != nil || err3 != nil || err4 != nil {
					return nil, fmt.Errorf("unparsable FRR LSA %+v", e)
				}
				res = append(res, lsaID{t, id, adv, uint32(seq), uint16(ck)})
			}
		}
	}
	return res, nil
}

// sameDatabase waits until our database equals FRR's.
func (f *frr) sameDatabase(t *testing.T, in *Instance, wantRouters int, timeout time.Duration) {
	t.Helper()
	nstest.Eventually(t, timeout, func() error {
		theirs, err := f.lsas()
		if err != nil {
			return err
		}
		ours := ourLSAs(in)
		n := 0
		for _, l := range ours {
			if l.Type == LSTypeRouter {
				n++
			}
		}
		if n != wantRouters {
			return fmt.Errorf("we hold %d router-LSAs, want %d", n, wantRouters)
		}
		return sameLSAs(ours, theirs)
	})
}

func frrConf(rid, ifaceLines string) string {
	return fmt.Sprintf(`hostname peer
log stdout informational
interface veth0
%s
!
router ospf
 ospf router-id %s
 network 10.0.0.0/8 area 0
!
`, ifaceLines, rid)
}

// TestInteropFRR_PointToPoint: Full with FRR on a point-to-point link, the
// same database on both sides, and recovery after FRR restarts.
func TestInteropFRR_PointToPoint(t *testing.T) {
	nstest.RequireRoot(t)
	nstest.RequireBinary(t, "ospfd")
	p := newNSPair(t, 1)
	f := startFRR(t, p.b, frrConf("10.0.0.2", ` ip ospf network point-to-point
 ip ospf hello-interval 1
 ip ospf dead-interval 4
 ip ospf retransmit-interval 2`))
	in := startOurs(t, p.a, Config{RouterID: netip.MustParseAddr("10.0.0.1"), Interfaces: []InterfaceConfig{{
		Name: "veth0", Prefix: netip.MustParsePrefix("10.0.0.1/24"), Network: NetworkPointToPoint,
		HelloInterval: time.Second, RouterDeadInterval: 4 * time.Second, RetransmitInterval: 2 * time.Second,
	}}})
	f.waitFull(t, "10.0.0.1", 30*time.Second)
	ourFull(t, in, 1, 10*time.Second)
	f.sameDatabase(t, in, 2, 20*time.Second)

	// FRR restarts: the adjacency comes back, and the database converges
	// again (its old router-LSA, which it flushed or re-originates with a
	// higher sequence number, included).
	f.restart(t)
	f.waitFull(t, "10.0.0.1", 40*time.Second)
	ourFull(t, in, 1, 10*time.Second)
	f.sameDatabase(t, in, 2, 30*time.Second)
}

var birdLSA = regexp.MustCompile(`(?m)^\s*(\d{4})\s+([0-9.]+)\s+([0-9.]+)\s+(\d+)\s+([0-9a-f]{8})\s+([0-9a-f]{4})\s*$`)

// TestInteropFRR_BroadcastElection: on a broadcast network with FRR, the
// DR and BDR are those §9.4 prescribes for the priorities and Router IDs,
// both sides agree, reach Full, and hold the same database (with the DR's
// network-LSA).
func TestInteropFRR_BroadcastElection(t *testing.T) {
	nstest.RequireRoot(t)
	nstest.RequireBinary(t, "ospfd")
	cases := []struct {
		name             string
		ourPrio, frrPrio uint8
		ourRID, frrRID   string
		wantDR           string
	}{
		{"our priority higher", 10, 5, "10.0.0.1", "10.0.0.2", "10.0.0.1"},
		{"FRR priority higher", 1, 7, "10.0.0.1", "10.0.0.2", "10.0.0.2"},
		{"equal priority, our Router ID higher", 1, 1, "10.9.9.9", "10.0.0.2", "10.9.9.9"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := newNSPair(t, 1)
			f := startFRR(t, p.b, frrConf(c.frrRID, fmt.Sprintf(` ip ospf hello-interval 1
 ip ospf dead-interval 4
 ip ospf retransmit-interval 2
 ip ospf priority %d`, c.frrPrio)))
			in := startOurs(t, p.a, Config{RouterID: netip.MustParseAddr(c.ourRID), Interfaces: []InterfaceConfig{{
				Name: "veth0", Prefix: netip.MustParsePrefix("10.0.0.1/24"), Priority: Priority(c.ourPrio),
				HelloInterval: time.Second, RouterDeadInterval: 4 * time.Second, RetransmitInterval: 2 * time.Second,
			}}})
			f.waitFull(t, c.ourRID, 30*time.Second)
			ourFull(t, in, 1, 10*time.Second)
			wantBDR := c.ourRID
			if c.wantDR == c.ourRID {
				wantBDR = c.frrRID
			}
			nstest.Eventually(t, 10*time.Second, func() error {
				fi, err := f.iface("veth0")
				if err != nil {
					return err
				}
				oi := in.Interfaces()[0]
				if fi.DRID != c.wantDR || fi.BDRID != wantBDR {
					return fmt.Errorf("FRR: DR %s BDR %s, want %s and %s", fi.DRID, fi.BDRID, c.wantDR, wantBDR)
				}
				if oi.DRID.String() != c.wantDR || oi.BDRID.String() != wantBDR {
					return fmt.Errorf("ours: DR %v BDR %v, want %s and %s", oi.DRID, oi.BDRID, c.wantDR, wantBDR)
				}
				wantState := IfBackup
				if c.wantDR == c.ourRID {
					wantState = IfDR
				}
				if oi.State != wantState {
					return fmt.Errorf("our interface is %v, want %v", oi.State, wantState)
				}
				return nil
			})
			f.sameDatabase(t, in, 2, 20*time.Second)
			nets := in.LSDB(LSDBFilter{Type: LSTypeNetwork})
			if len(nets) != 1 || nets[0].LSA.Header.AdvRouter.String() != c.wantDR {
				t.Errorf("network-LSAs %+v, want one from the DR %s", nets, c.wantDR)
			}
		})
	}
}

// TestInteropFRR_MD5: a keyed-MD5 authenticated adjacency (RFC 2328 D.3)
// with FRR; a wrong key keeps it down and is counted.
func TestInteropFRR_MD5(t *testing.T) {
	nstest.RequireRoot(t)
	nstest.RequireBinary(t, "ospfd")
	for _, good := range []bool{true, false} {
		t.Run(fmt.Sprintf("right key %v", good), func(t *testing.T) {
			p := newNSPair(t, 1)
			f := startFRR(t, p.b, frrConf("10.0.0.2", ` ip ospf network point-to-point
 ip ospf hello-interval 1
 ip ospf dead-interval 4
 ip ospf authentication message-digest
 ip ospf message-digest-key 7 md5 s3cr3t`))
			secret := "s3cr3t"
			if !good {
				secret = "wrong"
			}
			in := startOurs(t, p.a, Config{RouterID: netip.MustParseAddr("10.0.0.1"), Interfaces: []InterfaceConfig{{
				Name: "veth0", Prefix: netip.MustParsePrefix("10.0.0.1/24"), Network: NetworkPointToPoint,
				HelloInterval: time.Second, RouterDeadInterval: 4 * time.Second,
				Auth: AuthConfig{Type: AuthCrypto, Keys: []Key{{ID: 7, Algorithm: AlgMD5, Secret: []byte(secret)}}},
			}}})
			if good {
				f.waitFull(t, "10.0.0.1", 30*time.Second)
				ourFull(t, in, 1, 10*time.Second)
				f.sameDatabase(t, in, 2, 20*time.Second)
				return
			}
			time.Sleep(5 * time.Second)
			if ns := in.Neighbors(); len(ns) != 0 {
				t.Errorf("neighbors with a wrong key: %+v", ns)
			}
			if d := in.Stats().Dropped[DropAuth]; d == 0 {
				t.Errorf("no packet dropped for authentication: %+v", in.Stats())
			}
		})
	}
}

// TestInteropFRR_FastHello: fast hellos as FRR's `ip ospf dead-interval
// minimal hello-multiplier N` does them: RouterDeadInterval 1 s and
// HelloInterval 0 advertised, several hellos a second. The adjacency
// forms and stays up.
func TestInteropFRR_FastHello(t *testing.T) {
	nstest.RequireRoot(t)
	nstest.RequireBinary(t, "ospfd")
	p := newNSPair(t, 1)
	f := startFRR(t, p.b, frrConf("10.0.0.2", ` ip ospf network point-to-point
 ip ospf dead-interval minimal hello-multiplier 5`))
	in := startOurs(t, p.a, Config{RouterID: netip.MustParseAddr("10.0.0.1"), Interfaces: []InterfaceConfig{{
		Name: "veth0", Prefix: netip.MustParsePrefix("10.0.0.1/24"), Network: NetworkPointToPoint,
		HelloMultiplier: 5,
	}}})
	f.waitFull(t, "10.0.0.1", 30*time.Second)
	ourFull(t, in, 1, 10*time.Second)
	fi, err := f.iface("veth0")
	if err != nil {
		t.Fatal(err)
	}
	if fi.DeadSecs != 1 {
		t.Errorf("FRR's dead interval %d s, want 1", fi.DeadSecs)
	}
	// Stays Full for several dead intervals.
	for range 5 {
		time.Sleep(time.Second)
		if n := in.Neighbors(); len(n) != 1 || n[0].State != NbrFull {
			t.Fatalf("adjacency dropped: %+v", n)
		}
	}
	if d := in.Stats().Dropped; d[DropHelloInterval]+d[DropDeadInterval] != 0 {
		t.Errorf("hellos dropped as mismatched: %v", d)
	}
}
