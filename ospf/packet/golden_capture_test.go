package packet

// The golden packets under testdata/golden were captured by this test from
// real routers in network namespaces; it runs only with
// OSPF_CAPTURE_GOLDENS=1 (as root, with frr, bird2 and tcpdump installed):
//
//	OSPF_CAPTURE_GOLDENS=1 go test -run TestCaptureGoldens -v ./ospf/
//
// Topology (namespaces o3<random>, every router on its own namespace):
//
//	FRR 8.4 ospfd+zebra, hello 1 s, dead 4 s:
//	  B 2.2.2.2 --ab-- A 1.1.1.1 --ac-- C 3.3.3.3     --ad-- D 4.4.4.4
//	  area 0, broadcast  ABR+opaque   area 1, keyed MD5     area 2 NSSA, point-to-point
//	  B, C and D redistribute kernel routes (type 5 from B and C, type 7
//	  from D, which A translates); A originates summaries (types 3, 4) and a
//	  router-information opaque LSA (type 10; B is opaque-capable too).
//	BIRD 2.0.12, E 5.5.5.5 and F 6.6.6.6, area 0, one veth per RFC 5709
//	  algorithm: HMAC-SHA-1, -256, -384, -512 (FRR 8.4 cannot do HMAC-SHA).
//
// tcpdump runs inside A's and E's namespaces, one per link; every OSPF
// payload (the IPv4 payload of protocol 89) is written, deduplicated, to
// testdata/golden/<link>.txt, and each also seeds the fuzz corpora.
// Tests only read these files.

import (
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
	"github.com/switchless/routing/internal/nstest"
)

// Secrets of the captured links, needed to verify the goldens.
const (
	goldenMD5Secret = "o3-md5-key"
	goldenSHAKey1   = "o3-hmac-sha1-key-of-30-bytes!!" // 30 bytes: longer than L=20, shorter than the 64-byte block
	goldenSHAKey256 = "o3-hmac-sha256-key"
	goldenSHAKey384 = "o3-hmac-sha384-key"
	goldenSHAKey512 = "o3-hmac-sha512-key"
)

type goldenLink struct {
	name  string // file name under testdata/golden
	iface string // interface captured on
	ns    *nstest.NS
}

func TestCaptureGoldens(t *testing.T) {
	if os.Getenv("OSPF_CAPTURE_GOLDENS") != "1" {
		t.Skip("set OSPF_CAPTURE_GOLDENS=1 to capture the golden packets again from FRR and BIRD")
	}
	nstest.RequireRoot(t)
	zebra := nstest.RequireBinary(t, "zebra")
	ospfd := nstest.RequireBinary(t, "ospfd")
	vtysh := nstest.RequireBinary(t, "vtysh")
	bird := nstest.RequireBinary(t, "bird")
	birdc := nstest.RequireBinary(t, "birdc")
	tcpdump := nstest.RequireBinary(t, "tcpdump")
	dir := nstest.TempDir(t)

	ns := map[string]*nstest.NS{}
	for _, n := range []string{"a", "b", "c", "d", "e", "f"} {
		ns[n] = nstest.New(t, "o3")
	}
	nstest.Veth(t, ns["a"], "ab0", ns["b"], "ba0")
	nstest.Veth(t, ns["a"], "ac0", ns["c"], "ca0")
	nstest.Veth(t, ns["a"], "ad0", ns["d"], "da0")
	for _, s := range []string{"1", "256", "384", "512"} {
		nstest.Veth(t, ns["e"], "sha"+s, ns["f"], "sha"+s)
	}
	addr := func(n, ifc, a string) { ns[n].Exec(t, "ip", "addr", "add", a, "dev", ifc) }
	addr("a", "ab0", "10.0.12.1/24")
	addr("b", "ba0", "10.0.12.2/24")
	addr("a", "ac0", "10.0.13.1/24")
	addr("c", "ca0", "10.0.13.3/24")
	addr("a", "ad0", "10.0.14.1/24")
	addr("d", "da0", "10.0.14.4/24")
	for i, s := range []string{"1", "256", "384", "512"} {
		addr("e", "sha"+s, fmt.Sprintf("10.5.%d.5/24", i+1))
		addr("f", "sha"+s, fmt.Sprintf("10.5.%d.6/24", i+1))
	}
	// Kernel routes that zebra picks up and ospfd redistributes.
	ns["b"].Exec(t, "ip", "route", "add", "blackhole", "198.51.100.0/24")
	ns["b"].Exec(t, "ip", "route", "add", "203.0.113.0/25", "via", "10.0.12.50")
	ns["c"].Exec(t, "ip", "route", "add", "blackhole", "192.0.2.0/24")
	ns["d"].Exec(t, "ip", "route", "add", "blackhole", "100.64.0.0/16")

	// Captures start before the routers so the first hellos are seen.
	links := []goldenLink{
		{"frr-area0-broadcast", "ab0", ns["a"]},
		{"frr-area1-md5", "ac0", ns["a"]},
		{"frr-area2-nssa-p2p", "ad0", ns["a"]},
		{"bird-hmac-sha1", "sha1", ns["e"]},
		{"bird-hmac-sha256", "sha256", ns["e"]},
		{"bird-hmac-sha384", "sha384", ns["e"]},
		{"bird-hmac-sha512", "sha512", ns["e"]},
	}
	var dumps []*nstest.Proc
	for _, l := range links {
		dumps = append(dumps, l.ns.Start(t, tcpdump, "-i", l.iface, "-n", "-U", "-s", "0", "-Z", "root",
			"-w", filepath.Join(dir, l.name+".pcap"), "ip", "proto", "89"))
	}
	time.Sleep(time.Second) // tcpdump has no readiness signal; real time is fine for interop setup

	common := "log stdout debugging\n!\n"
	timers := " ip ospf hello-interval 1\n ip ospf dead-interval 4\n"
	frr := map[string]string{
		"a": common + "interface ab0\n" + timers + "!\ninterface ac0\n" + timers +
			" ip ospf authentication message-digest\n ip ospf message-digest-key 1 md5 " + goldenMD5Secret + "\n!\n" +
			"interface ad0\n" + timers + " ip ospf network point-to-point\n!\n" +
			"router ospf\n ospf router-id 1.1.1.1\n capability opaque\n router-info area\n" +
			" network 10.0.12.0/24 area 0\n network 10.0.13.0/24 area 1\n network 10.0.14.0/24 area 2\n area 2 nssa\n!\n",
		"b": common + "interface ba0\n" + timers + " ip ospf priority 10\n!\n" +
			"ip prefix-list P1 seq 5 permit 203.0.113.0/25\n!\n" +
			"route-map EXT permit 10\n match ip address prefix-list P1\n set metric-type type-1\n set metric 42\n set tag 77\n!\n" +
			"route-map EXT permit 20\n!\n" +
			"router ospf\n ospf router-id 2.2.2.2\n capability opaque\n network 10.0.12.0/24 area 0\n redistribute kernel route-map EXT\n!\n",
		"c": common + "interface ca0\n" + timers +
			" ip ospf authentication message-digest\n ip ospf message-digest-key 1 md5 " + goldenMD5Secret + "\n!\n" +
			"router ospf\n ospf router-id 3.3.3.3\n network 10.0.13.0/24 area 1\n redistribute kernel metric 30\n!\n",
		"d": common + "interface da0\n" + timers + " ip ospf network point-to-point\n!\n" +
			"router ospf\n ospf router-id 4.4.4.4\n network 10.0.14.0/24 area 2\n area 2 nssa\n redistribute kernel\n!\n",
	}
	vty := map[string]string{}
	for _, n := range []string{"a", "b", "c", "d"} {
		rd := filepath.Join(dir, "frr-"+n)
		if err := os.MkdirAll(rd, 0o777); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(rd, 0o777); err != nil {
			t.Fatal(err)
		}
		write(t, filepath.Join(rd, "zebra.conf"), common)
		write(t, filepath.Join(rd, "ospfd.conf"), frr[n])
		zsock := filepath.Join(rd, "zserv.api")
		vty[n] = rd
		ns[n].Start(t, zebra, "-f", filepath.Join(rd, "zebra.conf"), "-i", filepath.Join(rd, "zebra.pid"),
			"-z", zsock, "--vty_socket", rd)
		nstest.Eventually(t, 10*time.Second, func() error { _, err := os.Stat(zsock); return err })
		ns[n].Start(t, ospfd, "-f", filepath.Join(rd, "ospfd.conf"), "-i", filepath.Join(rd, "ospfd.pid"),
			"-z", zsock, "--vty_socket", rd)
	}

	shaCfg := func(ifc, key, alg string, id int) string {
		return fmt.Sprintf("    interface %q { hello 1; dead 4; authentication cryptographic;\n"+
			"      password %q { id %d; algorithm %s; }; };\n", ifc, key, id, alg)
	}
	birdIfs := shaCfg("sha1", goldenSHAKey1, "hmac sha1", 1) + shaCfg("sha256", goldenSHAKey256, "hmac sha256", 2) +
		shaCfg("sha384", goldenSHAKey384, "hmac sha384", 3) + shaCfg("sha512", goldenSHAKey512, "hmac sha512", 4)
	birdCtl := map[string]string{}
	for _, n := range []string{"e", "f"} {
		rid := map[string]string{"e": "5.5.5.5", "f": "6.6.6.6"}[n]
		export := "none"
		statics := ""
		if n == "e" {
			export = "all"
			statics = "protocol static { ipv4; route 172.16.0.0/16 blackhole; route 172.17.1.0/24 blackhole; }\n"
		}
		conf := fmt.Sprintf("router id %s;\nlog stderr all;\nprotocol device {}\n%s"+
			"protocol ospf v2 {\n  ipv4 { import none; export %s; };\n  area 0 {\n%s  };\n}\n", rid, statics, export, birdIfs)
		cf := filepath.Join(dir, "bird-"+n+".conf")
		write(t, cf, conf)
		birdCtl[n] = filepath.Join(dir, "bird-"+n+".ctl")
		ns[n].Start(t, bird, "-f", "-c", cf, "-s", birdCtl[n], "-P", filepath.Join(dir, "bird-"+n+".pid"))
	}

	full := func(n, cmd string, want int) func() error {
		return func() error {
			var out string
			var err error
			if n == "e" || n == "f" {
				out, err = ns[n].Try(birdc, "-s", birdCtl[n], cmd)
			} else {
				out, err = ns[n].Try(vtysh, "--vty_socket", vty[n], "-c", cmd)
			}
			if err != nil {
				return err
			}
			if got := strings.Count(out, "Full"); got < want {
				return fmt.Errorf("%s: %d Full neighbors, want %d:\n%s", n, got, want, out)
			}
			return nil
		}
	}
	nstest.Eventually(t, 60*time.Second, full("a", "show ip ospf neighbor", 3))
	nstest.Eventually(t, 60*time.Second, full("e", "show ospf neighbors", 4))
	// Let flooding, acknowledgments, NSSA translation and summaries settle.
	time.Sleep(12 * time.Second)
	t.Logf("A's database:\n%s", ns["a"].Exec(t, vtysh, "--vty_socket", vty["a"], "-c", "show ip ospf database"))
	for _, d := range dumps {
		d.Stop()
	}

	gdir := filepath.Join("testdata", "golden")
	if err := os.MkdirAll(gdir, 0o755); err != nil {
		t.Fatal(err)
	}
	var all [][]byte
	for _, l := range links {
		pkts := readOSPFPcap(t, filepath.Join(dir, l.name+".pcap"))
		var sb strings.Builder
		fmt.Fprintf(&sb, "# OSPF payloads captured on link %s by TestCaptureGoldens (golden_capture_test.go)\n", l.name)
		fmt.Fprintf(&sb, "# at %s; one packet per line, hex, IPv4 header removed, duplicates dropped.\n", time.Now().UTC().Format(time.DateOnly))
		seen := map[string]bool{}
		hellos := map[string]int{}
		for _, p := range pkts {
			k := string(p.payload)
			if seen[k] {
				continue
			}
			seen[k] = true
			typ := "?"
			if len(p.payload) > 1 {
				typ = PacketType(p.payload[1]).String()
			}
			if typ == "Hello" {
				hellos[p.src]++
				if hellos[p.src] > 4 {
					continue
				}
			}
			fmt.Fprintf(&sb, "# %s -> %s %s\n%s\n", p.src, p.dst, typ, hex.EncodeToString(p.payload))
			all = append(all, p.payload)
		}
		write(t, filepath.Join(gdir, l.name+".txt"), sb.String())
		t.Logf("%s: %d packets, %d kept", l.name, len(pkts), len(seen))
	}
	writeFuzzSeeds(t, all)
}

type capturedPacket struct {
	src, dst string
	payload  []byte
}

func readOSPFPcap(t *testing.T, path string) []capturedPacket {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, err := pcapgo.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	var out []capturedPacket
	for {
		data, _, err := r.ReadPacketData()
		if err != nil {
			break
		}
		pkt := gopacket.NewPacket(data, r.LinkType(), gopacket.Default)
		ip, ok := pkt.Layer(layers.LayerTypeIPv4).(*layers.IPv4)
		if !ok || ip.Protocol != 89 {
			continue
		}
		if ip.Flags&layers.IPv4MoreFragments != 0 || ip.FragOffset != 0 {
			t.Fatalf("%s: fragmented OSPF packet; captures assume none", path)
		}
		out = append(out, capturedPacket{src: ip.SrcIP.String(), dst: ip.DstIP.String(), payload: append([]byte(nil), ip.Payload...)})
	}
	if len(out) == 0 {
		t.Fatalf("%s: no OSPF packets captured", path)
	}
	return out
}

// writeFuzzSeeds stores every golden packet as a seed of FuzzPacket and
// every LSA inside them as a seed of FuzzLSA, in go test's corpus format.
func writeFuzzSeeds(t *testing.T, pkts [][]byte) {
	t.Helper()
	seed := func(target, name string, b []byte) {
		d := filepath.Join("testdata", "fuzz", target)
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		write(t, filepath.Join(d, name), fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n", b))
	}
	lsas := map[string]bool{}
	for i, p := range pkts {
		seed("FuzzPacket", fmt.Sprintf("golden-%03d", i), p)
		h, err := ParseHeader(p)
		if err != nil || h.Type != TypeLSUpdate {
			continue
		}
		_ = RawLSAs(p[HeaderLen:h.Length], func(_ int, l []byte) error {
			if !lsas[string(l[1:])] { // LS age aside
				lsas[string(l[1:])] = true
				seed("FuzzLSA", fmt.Sprintf("golden-%03d", len(lsas)), l)
			}
			return nil
		})
	}
}

func write(t *testing.T, path, s string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}
