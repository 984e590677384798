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
	"testing"
	"time"

	"github.com/switchless/routing"
	"github.com/switchless/routing/internal/nstest"
	"github.com/switchless/routing/ospf/packet"
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
	p := &nsPair{}
	p.a, p.b = nstest.Pair(t, "o4a", "o4b", links)
	return p
}

// ours starts an Instance in ns on real raw IP transports.
func startOurs(t *testing.T, ns *nstest.NS, cfg Config) *Instance {
	t.Helper()
	w := nstest.NewLogWriter(t)
	var out io.Writer = w
	level := slog.LevelInfo
	if os.Getenv("OSPF_INTEROP_DEBUG") != "" {
		level = slog.LevelDebug
	}
	log := slog.New(slog.NewTextHandler(out, &slog.HandlerOptions{Level: level}))
	trs, err := Listen(context.Background(), &cfg, ns.Name(), nil)
	if err != nil {
		t.Fatal(err)
	}
	in, err := New(cfg, Env{Clock: routing.SystemClock(), Logger: log, Transports: trs})
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
		_ = w.Close()
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
	Type     packet.LSType
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
		if packet.LSAge(h.Age) == packet.MaxAge {
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
	*nstest.FRR
	conf  string
	ospfd *nstest.Proc
}

func startFRR(t *testing.T, ns *nstest.NS, ospfConf string) *frr {
	t.Helper()
	f := &frr{FRR: nstest.StartFRR(t, ns, "ospfd"), conf: ospfConf}
	f.startOSPFD(t)
	return f
}

func (f *frr) startOSPFD(t *testing.T) {
	t.Helper()
	f.ospfd = f.Start(t, "ospfd", f.conf, "show ip ospf json")
}

// restart stops ospfd (SIGTERM: it flushes its LSAs) and starts it again.
func (f *frr) restart(t *testing.T) {
	t.Helper()
	f.ospfd.Stop()
	f.startOSPFD(t)
}

func (f *frr) jsonCmd(cmd string, v any) error {
	out, err := f.Vtysh(cmd)
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

// waitIfState waits until FRR's interface name is in state (FRR's
// names: Waiting, DROther, Backup, DR, …).
func (f *frr) waitIfState(t *testing.T, name, state string, timeout time.Duration) {
	t.Helper()
	nstest.Eventually(t, timeout, func() error {
		fi, err := f.iface(name)
		if err != nil {
			return err
		}
		if fi.State != state {
			return fmt.Errorf("FRR's %s is %q, want %q", name, fi.State, state)
		}
		return nil
	})
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
	out, err := f.Vtysh("show ip ospf database json")
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
	types := map[string]packet.LSType{
		"routerLinkStates": packet.LSTypeRouter, "networkLinkStates": packet.LSTypeNetwork,
		"summaryLinkStates": packet.LSTypeSummaryNetwork, "asbrSummaryLinkStates": packet.LSTypeSummaryASBR,
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
				if e.Age >= packet.MaxAge {
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
			if l.Type == packet.LSTypeRouter {
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

// ---- BIRD ----

// bird is BIRD 2 with its own control socket and pid file.
type bird struct {
	ns   *nstest.NS
	dir  string
	proc *nstest.Proc
}

func startBIRD(t *testing.T, ns *nstest.NS, conf string) *bird {
	t.Helper()
	bin := nstest.RequireBinary(t, "bird")
	nstest.RequireBinary(t, "birdc")
	b := &bird{ns: ns, dir: nstest.TempDir(t)}
	cf := filepath.Join(b.dir, "bird.conf")
	if err := os.WriteFile(cf, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	b.proc = ns.Start(t, bin, "-f", "-c", cf, "-s", b.sock(), "-P", filepath.Join(b.dir, "bird.pid"))
	nstest.Eventually(t, 10*time.Second, func() error {
		_, err := b.birdc("show status")
		return err
	})
	return b
}

func (b *bird) sock() string { return filepath.Join(b.dir, "bird.ctl") }

func (b *bird) birdc(cmd ...string) (string, error) {
	return b.ns.Try("birdc", append([]string{"-s", b.sock()}, cmd...)...)
}

// restart stops BIRD (SIGTERM) and starts it again with the same
// configuration.
func (b *bird) restart(t *testing.T) {
	t.Helper()
	b.proc.Stop()
	bin, _ := nstest.LookBinary("bird")
	b.proc = b.ns.Start(t, bin, "-f", "-c", filepath.Join(b.dir, "bird.conf"), "-s", b.sock(), "-P", filepath.Join(b.dir, "bird.pid"))
	nstest.Eventually(t, 10*time.Second, func() error {
		_, err := b.birdc("show status")
		return err
	})
}

// waitFull waits until BIRD lists rid as Full.
func (b *bird) waitFull(t *testing.T, rid string, timeout time.Duration) {
	t.Helper()
	nstest.Eventually(t, timeout, func() error {
		out, err := b.birdc("show", "ospf", "neighbors")
		if err != nil {
			return err
		}
		for _, line := range strings.Split(out, "\n") {
			f := strings.Fields(line)
			if len(f) >= 3 && f[0] == rid && strings.HasPrefix(f[2], "Full") {
				return nil
			}
		}
		return fmt.Errorf("BIRD's neighbors:\n%s", out)
	})
}

// birdLSA matches one line of `show ospf lsadb` (BIRD 2.0): type, LS ID,
// advertising router, sequence number, age, checksum.
var birdLSA = regexp.MustCompile(`(?m)^\s*([0-9a-f]{4})\s+([0-9.]+)\s+([0-9.]+)\s+([0-9a-f]{8})\s+(\d+)\s+([0-9a-f]{4})\s*$`)

// lsas lists BIRD's database, leaving out MaxAge LSAs.
func (b *bird) lsas() ([]lsaID, string, error) {
	out, err := b.birdc("show", "ospf", "lsadb")
	if err != nil {
		return nil, out, err
	}
	var res []lsaID
	for _, m := range birdLSA.FindAllStringSubmatch(out, -1) {
		typ, _ := strconv.ParseUint(m[1], 16, 16)
		seq, _ := strconv.ParseUint(m[4], 16, 32)
		age, _ := strconv.Atoi(m[5])
		ck, _ := strconv.ParseUint(m[6], 16, 16)
		if age >= packet.MaxAge {
			continue
		}
		res = append(res, lsaID{packet.LSType(typ), netip.MustParseAddr(m[2]), netip.MustParseAddr(m[3]), uint32(seq), uint16(ck)})
	}
	return res, out, nil
}

func (b *bird) sameDatabase(t *testing.T, in *Instance, wantRouters int, timeout time.Duration) {
	t.Helper()
	nstest.Eventually(t, timeout, func() error {
		theirs, raw, err := b.lsas()
		if err != nil {
			return err
		}
		ours := ourLSAs(in)
		n := 0
		for _, l := range ours {
			if l.Type == packet.LSTypeRouter {
				n++
			}
		}
		if n != wantRouters {
			return fmt.Errorf("we hold %d router-LSAs, want %d", n, wantRouters)
		}
		if err := sameLSAs(ours, theirs); err != nil {
			return fmt.Errorf("%w\nbirdc show ospf lsadb:\n%s", err, raw)
		}
		return nil
	})
}

// birdIface returns `show ospf interface` fields by name ("State",
// "Designated router (ID)"...).
func (b *bird) iface() (map[string]string, error) {
	out, err := b.birdc("show", "ospf", "interface")
	if err != nil {
		return nil, err
	}
	m := map[string]string{}
	for _, line := range strings.Split(out, "\n") {
		if k, v, ok := strings.Cut(strings.TrimSpace(line), ":"); ok {
			m[k] = strings.TrimSpace(v)
		}
	}
	return m, nil
}

func birdConf(rid, ifaceLines string) string {
	return fmt.Sprintf(`router id %s;
protocol device { scan time 1; }
protocol ospf v2 {
	ipv4 { import none; export none; };
	area 0 {
		interface "veth0" {
%s
		};
	};
}
`, rid, ifaceLines)
}

// TestInteropBIRD_PointToPoint: Full with BIRD on a point-to-point link,
// identical databases, and recovery after BIRD restarts.
func TestInteropBIRD_PointToPoint(t *testing.T) {
	nstest.RequireRoot(t)
	nstest.RequireBinary(t, "bird")
	p := newNSPair(t, 1)
	b := startBIRD(t, p.b, birdConf("10.0.0.2", "\t\t\ttype ptp; hello 1; dead 4; retransmit 2;"))
	in := startOurs(t, p.a, Config{RouterID: netip.MustParseAddr("10.0.0.1"), Interfaces: []InterfaceConfig{{
		Name: "veth0", Prefix: netip.MustParsePrefix("10.0.0.1/24"), Network: NetworkPointToPoint,
		HelloInterval: time.Second, RouterDeadInterval: 4 * time.Second, RetransmitInterval: 2 * time.Second,
	}}})
	b.waitFull(t, "10.0.0.1", 30*time.Second)
	ourFull(t, in, 1, 10*time.Second)
	b.sameDatabase(t, in, 2, 20*time.Second)

	b.restart(t)
	b.waitFull(t, "10.0.0.1", 40*time.Second)
	ourFull(t, in, 1, 10*time.Second)
	b.sameDatabase(t, in, 2, 30*time.Second)
}

// TestInteropBIRD_Broadcast: election with BIRD on a broadcast network
// (BIRD has the higher priority: it is DR, we are BDR), Full, identical
// databases with BIRD's network-LSA.
func TestInteropBIRD_Broadcast(t *testing.T) {
	nstest.RequireRoot(t)
	nstest.RequireBinary(t, "bird")
	p := newNSPair(t, 1)
	b := startBIRD(t, p.b, birdConf("10.0.0.2", "\t\t\ttype broadcast; hello 1; dead 4; wait 4; retransmit 2; priority 20;"))
	in := startOurs(t, p.a, Config{RouterID: netip.MustParseAddr("10.0.0.1"), Interfaces: []InterfaceConfig{{
		Name: "veth0", Prefix: netip.MustParsePrefix("10.0.0.1/24"), Priority: Priority(3),
		HelloInterval: time.Second, RouterDeadInterval: 4 * time.Second, RetransmitInterval: 2 * time.Second,
	}}})
	b.waitFull(t, "10.0.0.1", 30*time.Second)
	ourFull(t, in, 1, 10*time.Second)
	nstest.Eventually(t, 10*time.Second, func() error {
		bi, err := b.iface()
		if err != nil {
			return err
		}
		oi := in.Interfaces()[0]
		if bi["Designated router (ID)"] != "10.0.0.2" || bi["Backup designated router (ID)"] != "10.0.0.1" {
			return fmt.Errorf("BIRD's interface: %v", bi)
		}
		if oi.State != IfBackup || oi.DRID.String() != "10.0.0.2" || oi.BDRID.String() != "10.0.0.1" {
			return fmt.Errorf("ours: %+v", oi)
		}
		return nil
	})
	b.sameDatabase(t, in, 2, 20*time.Second)
	if nets := in.LSDB(LSDBFilter{Type: packet.LSTypeNetwork}); len(nets) != 1 || nets[0].LSA.Header.AdvRouter.String() != "10.0.0.2" {
		t.Errorf("network-LSAs %+v, want BIRD's", nets)
	}
}

// TestInteropBIRD_HMACSHA256: an HMAC-SHA-256 authenticated adjacency
// (RFC 5709) with BIRD; FRR 8.4 cannot do HMAC-SHA for OSPFv2.
func TestInteropBIRD_HMACSHA256(t *testing.T) {
	nstest.RequireRoot(t)
	nstest.RequireBinary(t, "bird")
	p := newNSPair(t, 1)
	b := startBIRD(t, p.b, birdConf("10.0.0.2", `			type ptp; hello 1; dead 4; retransmit 2;
			authentication cryptographic;
			password "sha-secret" { id 3; algorithm hmac sha256; };`))
	in := startOurs(t, p.a, Config{RouterID: netip.MustParseAddr("10.0.0.1"), Interfaces: []InterfaceConfig{{
		Name: "veth0", Prefix: netip.MustParsePrefix("10.0.0.1/24"), Network: NetworkPointToPoint,
		HelloInterval: time.Second, RouterDeadInterval: 4 * time.Second, RetransmitInterval: 2 * time.Second,
		Auth: AuthConfig{Type: packet.AuthCrypto, Keys: []Key{{ID: 3, Algorithm: packet.AlgHMACSHA256, Secret: []byte("sha-secret")}}},
	}}})
	b.waitFull(t, "10.0.0.1", 30*time.Second)
	ourFull(t, in, 1, 10*time.Second)
	b.sameDatabase(t, in, 2, 20*time.Second)
	if d := in.Stats().Dropped; d[DropAuth]+d[DropReplay]+d[DropAuthType] != 0 {
		t.Errorf("authentication drops with the right key: %v", d)
	}
}

// segment3 is three namespaces (ours, FRR, BIRD) on one bridged segment
// 10.0.0.0/24 (.1 ours, .2 FRR, .3 BIRD), the bridge in a fourth.
func segment3(t *testing.T) (ours, frrNS, birdNS *nstest.NS) {
	t.Helper()
	sw := nstest.New(t, "o4s")
	ours, frrNS, birdNS = nstest.New(t, "o4a"), nstest.New(t, "o4f"), nstest.New(t, "o4b")
	sw.Exec(t, "ip", "link", "add", "br0", "type", "bridge")
	sw.Exec(t, "ip", "link", "set", "br0", "up")
	for i, ns := range []*nstest.NS{ours, frrNS, birdNS} {
		port := fmt.Sprintf("p%d", i)
		nstest.Veth(t, ns, "veth0", sw, port)
		sw.Exec(t, "ip", "link", "set", port, "master", "br0")
		ns.Exec(t, "ip", "addr", "add", fmt.Sprintf("10.0.0.%d/24", i+1), "dev", "veth0")
	}
	return ours, frrNS, birdNS
}

// TestInteropMixedSegment: ours, FRR and BIRD on one broadcast segment.
// The DR and BDR are those of §9.4 given the priorities and the order in
// which the routers start (the election is non-preemptive), every router
// agrees, the DROthers are adjacent to DR and BDR only, and all three
// databases are identical.
func TestInteropMixedSegment(t *testing.T) {
	nstest.RequireRoot(t)
	nstest.RequireBinary(t, "ospfd")
	nstest.RequireBinary(t, "bird")
	cases := []struct {
		name                    string
		ourPrio, frrPrio, bPrio uint8
		oursFirst               bool
		dr, bdr                 string
	}{
		// FRR and BIRD settle first; we join last and, with the lowest
		// priority, stay DROther.
		{"FRR DR, BIRD BDR, ours DROther", 2, 5, 3, false, "10.0.0.2", "10.0.0.3"},
		// We start first with the highest priority: DR; FRR BDR.
		{"ours DR, FRR BDR, BIRD DROther", 10, 5, 1, true, "10.0.0.1", "10.0.0.2"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			oursNS, frrNS, birdNS := segment3(t)
			cfg := Config{RouterID: netip.MustParseAddr("10.0.0.1"), Interfaces: []InterfaceConfig{{
				Name: "veth0", Prefix: netip.MustParsePrefix("10.0.0.1/24"), Priority: Priority(c.ourPrio),
				HelloInterval: time.Second, RouterDeadInterval: 4 * time.Second, RetransmitInterval: 2 * time.Second,
			}}}
			var in *Instance
			if c.oursFirst {
				in = startOurs(t, oursNS, cfg)
				// Past the Wait Timer alone: we are DR (§9.4).
				nstest.Eventually(t, 20*time.Second, func() error {
					if oi := in.Interfaces()[0]; oi.State != IfDR {
						return fmt.Errorf("we are %v", oi.State)
					}
					return nil
				})
			}
			f := startFRR(t, frrNS, frrConf("10.0.0.2", fmt.Sprintf(` ip ospf hello-interval 1
 ip ospf dead-interval 4
 ip ospf retransmit-interval 2
 ip ospf priority %d`, c.frrPrio)))
			if !c.oursFirst {
				f.waitIfState(t, "veth0", "DR", 20*time.Second)
			}
			b := startBIRD(t, birdNS, birdConf("10.0.0.3", fmt.Sprintf("\t\t\ttype broadcast; hello 1; dead 4; wait 4; retransmit 2; priority %d;", c.bPrio)))
			if !c.oursFirst {
				b.waitFull(t, "10.0.0.2", 30*time.Second)
				in = startOurs(t, oursNS, cfg)
			}
			ourFull(t, in, 2, 40*time.Second)
			f.waitFull(t, "10.0.0.3", 30*time.Second)
			nstest.Eventually(t, 20*time.Second, func() error {
				fi, err := f.iface("veth0")
				if err != nil {
					return err
				}
				bi, err := b.iface()
				if err != nil {
					return err
				}
				oi := in.Interfaces()[0]
				got := fmt.Sprintf("FRR %s/%s BIRD %s/%s ours %v/%v", fi.DRID, fi.BDRID,
					bi["Designated router (ID)"], bi["Backup designated router (ID)"], oi.DRID, oi.BDRID)
				want := fmt.Sprintf("FRR %s/%s BIRD %s/%s ours %s/%s", c.dr, c.bdr, c.dr, c.bdr, c.dr, c.bdr)
				if got != want {
					return fmt.Errorf("DR/BDR: %s, want %s", got, want)
				}
				return nil
			})
			f.sameDatabase(t, in, 3, 30*time.Second)
			b.sameDatabase(t, in, 3, 30*time.Second)
			// With three routers every pair includes the DR or the BDR,
			// so we are adjacent to both others (§10.4).
			for _, n := range in.Neighbors() {
				if want := NbrFull; n.State != want {
					t.Errorf("our neighbor %v is %v, want %v", n.RouterID, n.State, want)
				}
			}
		})
	}
}

// TestInteropFRR_BroadcastRestart: FRR is DR; it restarts. We take over
// as DR while it is gone, and when it returns the election does not
// preempt us (§9.4); the adjacency recovers and the databases converge,
// FRR's stale network-LSA flushed.
func TestInteropFRR_BroadcastRestart(t *testing.T) {
	nstest.RequireRoot(t)
	nstest.RequireBinary(t, "ospfd")
	p := newNSPair(t, 1)
	f := startFRR(t, p.b, frrConf("10.0.0.2", ` ip ospf hello-interval 1
 ip ospf dead-interval 4
 ip ospf retransmit-interval 2
 ip ospf priority 9`))
	f.waitIfState(t, "veth0", "DR", 20*time.Second) // alone, past its Wait Timer
	in := startOurs(t, p.a, Config{RouterID: netip.MustParseAddr("10.0.0.1"), Interfaces: []InterfaceConfig{{
		Name: "veth0", Prefix: netip.MustParsePrefix("10.0.0.1/24"), Priority: Priority(1),
		HelloInterval: time.Second, RouterDeadInterval: 4 * time.Second, RetransmitInterval: 2 * time.Second,
	}}})
	ourFull(t, in, 1, 30*time.Second)
	if oi := in.Interfaces()[0]; oi.DRID.String() != "10.0.0.2" || oi.State != IfBackup {
		t.Fatalf("before the restart: %+v", oi)
	}
	f.sameDatabase(t, in, 2, 20*time.Second)

	f.ospfd.Stop()
	nstest.Eventually(t, 15*time.Second, func() error {
		if oi := in.Interfaces()[0]; oi.State != IfDR {
			return fmt.Errorf("we are %v with FRR gone", oi.State)
		}
		return nil
	})
	f.startOSPFD(t)
	f.waitFull(t, "10.0.0.1", 40*time.Second)
	ourFull(t, in, 1, 10*time.Second)
	nstest.Eventually(t, 10*time.Second, func() error {
		fi, err := f.iface("veth0")
		if err != nil {
			return err
		}
		if fi.DRID != "10.0.0.1" || fi.BDRID != "10.0.0.2" {
			return fmt.Errorf("FRR sees DR %s BDR %s, want us (non-preemption) and itself", fi.DRID, fi.BDRID)
		}
		return nil
	})
	f.sameDatabase(t, in, 2, 30*time.Second)
	var live []string
	for _, e := range in.LSDB(LSDBFilter{Type: packet.LSTypeNetwork}) {
		if packet.LSAge(e.LSA.Header.Age) != packet.MaxAge {
			live = append(live, e.LSA.Header.AdvRouter.String())
		}
	}
	if !slices.Equal(live, []string{"10.0.0.1"}) {
		t.Errorf("live network-LSAs from %v, want only ours", live)
	}
}
