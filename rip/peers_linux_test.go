//go:build linux

package rip

// Helpers of the interop tests (interop_linux_test.go): our Instance on
// real UDP 520 sockets in a network namespace with a netlink FIB, FRR's
// ripd (with zebra) and BIRD 2 in their own namespaces and runtime
// directories, the kernels' routes (ours through netlink, the peers'
// through `ip -j route show`), and tcpdump captures read with pcapgo.
// Everything is removed when the test ends (nstest owns the namespaces
// and processes).

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

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"

	"github.com/switchless/routing"
	"github.com/switchless/routing/fib"
	"github.com/switchless/routing/internal/nstest"
	"github.com/switchless/routing/rip/packet"
)

// ripLab is our namespace and one peer namespace joined by n veth pairs
// veth0..veth(n-1), addresses 10.0.<i>.1/24 (ours) and 10.0.<i>.2/24.
type ripLab struct {
	ours, peer *nstest.NS
}

func newRIPLab(t *testing.T, links int) *ripLab {
	t.Helper()
	l := &ripLab{}
	l.ours, l.peer = nstest.Pair(t, "rxo", "rxp", links)
	return l
}

// ourIface is the InterfaceConfig of veth<i> on our side of a ripLab.
func ourIface(i int) InterfaceConfig {
	return InterfaceConfig{Name: fmt.Sprintf("veth%d", i), Prefix: pfx(fmt.Sprintf("10.0.%d.1/24", i))}
}

// ourRIP is our Instance in a namespace, installing into its kernel.
type ourRIP struct {
	*Instance
	ns   *nstest.NS
	sink *fib.Netlink
}

// startOurRIP starts an Instance with cfg (fast timers unless set) in
// ns on transports from Listen and a netlink FIB in the namespace.
// RIP_INTEROP_DEBUG=1 logs it at debug level.
func startOurRIP(t testing.TB, ns *nstest.NS, cfg Config) *ourRIP {
	t.Helper()
	if cfg.Timers == (Timers{}) {
		cfg.Timers = FastTimers()
	}
	ctx := context.Background()
	var log *slog.Logger
	w := nstest.NewLogWriter(t)
	if os.Getenv("RIP_INTEROP_DEBUG") != "" {
		log = slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	trs, err := Listen(ctx, &cfg, ns.Name(), log)
	if err != nil {
		t.Fatal(err)
	}
	sink, err := fib.OpenNetlink(ctx, fib.NetlinkConfig{Namespace: ns.Name(), Protocol: fib.ProtocolRIP})
	if err != nil {
		t.Fatal(err)
	}
	inst, err := New(cfg, Env{Clock: routing.SystemClock(), Transports: trs, FIB: sink, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	if err := inst.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := inst.Stop(sctx); err != nil {
			t.Errorf("Stop: %v", err)
		}
		_ = sink.Close()
		_ = w.Close()
	})
	return &ourRIP{Instance: inst, ns: ns, sink: sink}
}

// ---- kernel routes ----

// kernelRoute is one IPv4 route of a namespace's main table.
type kernelRoute struct {
	Dst      netip.Prefix
	Gateways []netip.Addr // sorted; several for a multipath route
	Devs     []string
	Protocol int
	Metric   int
}

// kernelHandle is a netlink handle in a namespace, for our side.
type kernelHandle struct{ h *netlink.Handle }

func openKernel(t testing.TB, ns *nstest.NS) *kernelHandle {
	t.Helper()
	nsh, err := netns.GetFromName(ns.Name())
	if err != nil {
		t.Fatal(err)
	}
	defer nsh.Close()
	h, err := netlink.NewHandleAt(nsh)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(h.Close)
	return &kernelHandle{h: h}
}

// route returns the main-table route for exactly dst, if any.
func (k *kernelHandle) route(dst netip.Prefix) (kernelRoute, bool, error) {
	rs, err := k.routes()
	if err != nil {
		return kernelRoute{}, false, err
	}
	for _, r := range rs {
		if r.Dst == dst {
			return r, true, nil
		}
	}
	return kernelRoute{}, false, nil
}

func (k *kernelHandle) routes() ([]kernelRoute, error) {
	rs, err := k.h.RouteListFiltered(netlink.FAMILY_V4, &netlink.Route{Table: 254}, netlink.RT_FILTER_TABLE)
	if err != nil {
		return nil, err
	}
	var out []kernelRoute
	for _, r := range rs {
		if r.Dst == nil {
			continue
		}
		ones, _ := r.Dst.Mask.Size()
		a, _ := netip.AddrFromSlice(r.Dst.IP.To4())
		kr := kernelRoute{Dst: netip.PrefixFrom(a, ones), Protocol: int(r.Protocol), Metric: r.Priority}
		add := func(gw []byte, idx int) {
			if g, ok := netip.AddrFromSlice(gw); ok {
				kr.Gateways = append(kr.Gateways, g.Unmap())
			}
			if l, err := k.h.LinkByIndex(idx); err == nil {
				kr.Devs = append(kr.Devs, l.Attrs().Name)
			}
		}
		if len(r.MultiPath) > 0 {
			for _, nh := range r.MultiPath {
				add(nh.Gw, nh.LinkIndex)
			}
		} else if r.Gw != nil {
			add(r.Gw, r.LinkIndex)
		}
		slices.SortFunc(kr.Gateways, netip.Addr.Compare)
		slices.Sort(kr.Devs)
		out = append(out, kr)
	}
	return out, nil
}

// waitOurKernel waits until our kernel has dst with rtm_protocol RIP and
// exactly the gateways given (none: until it has no route for dst).
func waitOurKernel(t testing.TB, k *kernelHandle, dst string, timeout time.Duration, gateways ...string) kernelRoute {
	t.Helper()
	var got kernelRoute
	nstest.Eventually(t, timeout, func() error {
		r, ok, err := k.route(pfx(dst))
		if err != nil {
			return err
		}
		if len(gateways) == 0 {
			if ok {
				return fmt.Errorf("our kernel still has %s via %v proto %d", dst, r.Gateways, r.Protocol)
			}
			return nil
		}
		if !ok {
			return fmt.Errorf("our kernel has no route for %s", dst)
		}
		var want []netip.Addr
		for _, g := range gateways {
			want = append(want, netip.MustParseAddr(g))
		}
		slices.SortFunc(want, netip.Addr.Compare)
		if r.Protocol != fib.RTProtoRIP || !slices.Equal(r.Gateways, want) {
			return fmt.Errorf("our kernel: %s via %v proto %d, want via %v proto %d", dst, r.Gateways, r.Protocol, want, fib.RTProtoRIP)
		}
		got = r
		return nil
	})
	return got
}

// ipRoute is one route of `ip -j route show`.
type ipRoute struct {
	Dst      string `json:"dst"`
	Gateway  string `json:"gateway"`
	Dev      string `json:"dev"`
	Protocol string `json:"protocol"`
	Metric   int    `json:"metric"`
	Nexthops []struct {
		Gateway string `json:"gateway"`
		Dev     string `json:"dev"`
	} `json:"nexthops"`
}

// peerKernel returns the peer's main-table route for dst (`ip -j route
// show DST`), if any.
func peerKernel(ns *nstest.NS, dst string) (ipRoute, bool, error) {
	out, err := ns.Try("ip", "-j", "route", "show", dst)
	if err != nil {
		return ipRoute{}, false, err
	}
	var rs []ipRoute
	if err := json.Unmarshal([]byte(out), &rs); err != nil {
		return ipRoute{}, false, fmt.Errorf("ip -j route show %s: %w: %s", dst, err, out)
	}
	for _, r := range rs {
		if r.Dst == strings.TrimSuffix(dst, "/32") || r.Dst == dst {
			return r, true, nil
		}
	}
	return ipRoute{}, false, nil
}

// waitPeerKernel waits until the peer's kernel routes dst via gateway
// with protocol proto ("rip" for zebra, "bird"), or, with gateway "",
// has no route for dst.
func waitPeerKernel(t testing.TB, ns *nstest.NS, dst, gateway, proto string, timeout time.Duration) {
	t.Helper()
	nstest.Eventually(t, timeout, func() error {
		r, ok, err := peerKernel(ns, dst)
		if err != nil {
			return err
		}
		if gateway == "" {
			if ok {
				return fmt.Errorf("peer kernel still has %s via %s proto %s", dst, r.Gateway, r.Protocol)
			}
			return nil
		}
		if !ok || r.Gateway != gateway || r.Protocol != proto {
			return fmt.Errorf("peer kernel: %+v (found %v), want %s via %s proto %s", r, ok, dst, gateway, proto)
		}
		return nil
	})
}

// ---- FRR ----

// frrRIP is FRR's zebra and ripd with their own runtime directory.
type frrRIP struct {
	*nstest.FRR
	ripd *nstest.Proc
}

// frrRIPConf is a ripd.conf: fast timers, RIP on the interfaces
// named, the given extra lines inside `router rip`, and before it
// (key chains, interface sections) the preamble.
func frrRIPConf(preamble string, ifaces []string, routerLines string) string {
	var b strings.Builder
	b.WriteString("hostname peer\nlog stdout debugging\n")
	b.WriteString(preamble)
	b.WriteString("\nrouter rip\n timers basic 5 15 10\n")
	for _, i := range ifaces {
		fmt.Fprintf(&b, " network %s\n", i)
	}
	b.WriteString(routerLines)
	b.WriteString("\n!\n")
	return b.String()
}

func startFRRRIP(t testing.TB, ns *nstest.NS, ripConf string) *frrRIP {
	t.Helper()
	f := &frrRIP{FRR: nstest.StartFRR(t, ns, "ripd")}
	f.ripd = f.Start(t, "ripd", ripConf, "show ip rip status")
	return f
}

// frrRoute is one line of `show ip rip`.
type frrRoute struct {
	Code, NextHop, From string
	Metric, Tag         int
}

var frrRouteLine = regexp.MustCompile(`(?m)^(\S+)\s+(\d+\.\d+\.\d+\.\d+/\d+)\s+(\S+)\s+(\d+)\s+(\S+)\s+(\d+)`)

// routes parses `show ip rip`: prefix → its lines (several with ECMP).
func (f *frrRIP) routes() (map[string][]frrRoute, string, error) {
	out, err := f.Vtysh("show ip rip")
	if err != nil {
		return nil, out, err
	}
	rs := map[string][]frrRoute{}
	for _, m := range frrRouteLine.FindAllStringSubmatch(out, -1) {
		metric, _ := strconv.Atoi(m[4])
		tag, _ := strconv.Atoi(m[6])
		rs[m[2]] = append(rs[m[2]], frrRoute{Code: m[1], NextHop: m[3], Metric: metric, From: m[5], Tag: tag})
	}
	return rs, out, nil
}

// waitRoute waits until FRR's `show ip rip` has prefix from `from` at
// the metric ("" from: any line at that metric).
func (f *frrRIP) waitRoute(t testing.TB, prefix, from string, metric int, timeout time.Duration) frrRoute {
	t.Helper()
	var got frrRoute
	nstest.Eventually(t, timeout, func() error {
		rs, out, err := f.routes()
		if err != nil {
			return err
		}
		for _, r := range rs[prefix] {
			if (from == "" || r.From == from) && r.Metric == metric {
				got = r
				return nil
			}
		}
		return fmt.Errorf("FRR has no %s from %s at metric %d:\n%s", prefix, from, metric, out)
	})
	return got
}

// frrSource is one line of "Routing Information Sources" in `show ip
// rip status`.
type frrSource struct{ BadPackets, BadRoutes int }

var frrSourceLine = regexp.MustCompile(`(?m)^\s+(\d+\.\d+\.\d+\.\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+\S+\s*$`)

func (f *frrRIP) sources() (map[string]frrSource, string, error) {
	out, err := f.Vtysh("show ip rip status")
	if err != nil {
		return nil, out, err
	}
	src := map[string]frrSource{}
	for _, m := range frrSourceLine.FindAllStringSubmatch(out, -1) {
		bp, _ := strconv.Atoi(m[2])
		br, _ := strconv.Atoi(m[3])
		src[m[1]] = frrSource{BadPackets: bp, BadRoutes: br}
	}
	return src, out, nil
}

// ---- BIRD ----

// birdRIP is BIRD 2 with its own control socket and pid file.
type birdRIP struct {
	ns   *nstest.NS
	dir  string
	proc *nstest.Proc
}

// birdRIPConf is a bird.conf with protocol rip "rip1" on the interfaces
// (fast timers plus ifaceLines in each), a static route to originate,
// and a kernel protocol installing what RIP learnt.
func birdRIPConf(routerID string, ifaces []string, ifaceLines, static string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "router id %s;\nlog stderr all;\ndebug protocols { states, events };\n", routerID)
	b.WriteString("protocol device { scan time 1; }\n")
	b.WriteString("protocol kernel { ipv4 { import none; export where source = RTS_RIP; }; }\n")
	if static != "" {
		fmt.Fprintf(&b, "protocol static { ipv4; route %s blackhole; }\n", static)
	}
	b.WriteString("protocol rip rip1 {\n\tipv4 { import all; export all; };\n")
	for _, i := range ifaces {
		fmt.Fprintf(&b, "\tinterface %q {\n\t\tupdate time 5; timeout time 15; garbage time 10;\n%s\n\t};\n", i, ifaceLines)
	}
	b.WriteString("}\n")
	return b.String()
}

func startBIRDRIP(t testing.TB, ns *nstest.NS, conf string) *birdRIP {
	t.Helper()
	bin := nstest.RequireBinary(t, "bird")
	nstest.RequireBinary(t, "birdc")
	b := &birdRIP{ns: ns, dir: nstest.TempDir(t)}
	cf := filepath.Join(b.dir, "bird.conf")
	if err := os.WriteFile(cf, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	b.proc = ns.Start(t, bin, "-f", "-c", cf, "-s", b.sock(), "-P", filepath.Join(b.dir, "bird.pid"))
	nstest.Eventually(t, 10*time.Second, func() error {
		if done, err := b.proc.Exited(); done {
			return fmt.Errorf("bird exited: %v: %s", err, b.proc.Output())
		}
		_, err := b.birdc("show status")
		return err
	})
	return b
}

func (b *birdRIP) sock() string { return filepath.Join(b.dir, "bird.ctl") }

func (b *birdRIP) birdc(cmd ...string) (string, error) {
	return b.ns.Try("birdc", append([]string{"-s", b.sock()}, cmd...)...)
}

// birdRoute is what `show route protocol rip1 all` says of a prefix.
type birdRoute struct {
	Via, Dev string
	Metric   int
}

var (
	birdVia    = regexp.MustCompile(`via (\S+) on (\S+)`)
	birdMetric = regexp.MustCompile(`(?i)rip[._]metric:\s*(\d+)`)
)

// route returns BIRD's RIP route for prefix, if it has one.
func (b *birdRIP) route(prefix string) (birdRoute, bool, string, error) {
	out, err := b.birdc("show", "route", "protocol", "rip1", "all")
	if err != nil {
		return birdRoute{}, false, out, err
	}
	i := strings.Index(out, prefix+" ")
	if i < 0 {
		return birdRoute{}, false, out, nil
	}
	block := out[i:]
	// The block ends where the next prefix starts (a line not indented).
	if j := regexp.MustCompile(`\n\S`).FindStringIndex(block); j != nil {
		block = block[:j[0]]
	}
	var r birdRoute
	if m := birdVia.FindStringSubmatch(block); m != nil {
		r.Via, r.Dev = m[1], m[2]
	}
	if m := birdMetric.FindStringSubmatch(block); m != nil {
		r.Metric, _ = strconv.Atoi(m[1])
	}
	return r, true, out, nil
}

// ---- captures ----

// capture is tcpdump writing RIP (UDP port 520) on one interface of a
// namespace to a pcap file.
type capture struct {
	proc *nstest.Proc
	file string
}

// startCapture starts tcpdump on iface ("any" for all) in ns and waits
// until it listens. --immediate-mode: without it packets wait in the
// kernel's TPACKET_V3 blocks and those still there at SIGTERM are lost.
func startCapture(t testing.TB, ns *nstest.NS, iface string) *capture {
	t.Helper()
	bin := nstest.RequireBinary(t, "tcpdump")
	c := &capture{file: filepath.Join(nstest.TempDir(t), "rip-"+iface+".pcap")}
	c.proc = ns.Start(t, bin, "-i", iface, "-n", "-U", "--immediate-mode", "-Z", "root", "-s", "0", "-w", c.file, "udp", "port", "520")
	nstest.Eventually(t, 5*time.Second, func() error {
		if !strings.Contains(c.proc.Output(), "listening on") {
			return fmt.Errorf("tcpdump not listening yet: %s", c.proc.Output())
		}
		return nil
	})
	return c
}

// ripPacket is one captured RIP message.
type ripPacket struct {
	Src, Dst netip.Addr
	SrcPort  uint16
	Payload  []byte
	Msg      packet.Message
	Err      error // from packet.Parse
}

// stop ends the capture and returns its RIP messages.
func (c *capture) stop(t testing.TB) []ripPacket {
	t.Helper()
	c.proc.Stop()
	if d := os.Getenv("RIP_KEEP_PCAP"); d != "" {
		if b, err := os.ReadFile(c.file); err == nil {
			_ = os.WriteFile(filepath.Join(d, strings.ReplaceAll(t.Name(), "/", "_")+".pcap"), b, 0o644)
		}
	}
	return c.packets(t)
}

// packets returns the messages captured so far (tcpdump -U writes each
// packet as it comes; a partly written last one is left out).
func (c *capture) packets(t testing.TB) []ripPacket {
	t.Helper()
	f, err := os.Open(c.file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	return readRIPPcap(t, f)
}

func readRIPPcap(t testing.TB, f io.Reader) []ripPacket {
	t.Helper()
	r, err := pcapgo.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	var out []ripPacket
	for {
		data, _, err := r.ReadPacketData()
		if err != nil {
			break
		}
		pkt := gopacket.NewPacket(data, r.LinkType(), gopacket.Default)
		ip, ok := pkt.Layer(layers.LayerTypeIPv4).(*layers.IPv4)
		if !ok {
			continue
		}
		udp, ok := pkt.Layer(layers.LayerTypeUDP).(*layers.UDP)
		if !ok {
			continue
		}
		src, _ := netip.AddrFromSlice(ip.SrcIP.To4())
		dst, _ := netip.AddrFromSlice(ip.DstIP.To4())
		p := ripPacket{Src: src, Dst: dst, SrcPort: uint16(udp.SrcPort), Payload: append([]byte(nil), udp.Payload...)}
		p.Msg, p.Err = packet.Parse(p.Payload)
		out = append(out, p)
	}
	return out
}

// entry returns the message's entry for prefix, if it has one.
func (p ripPacket) entry(prefix netip.Prefix) (packet.Entry, bool) {
	for _, e := range p.Msg.Entries {
		if q, ok := e.Prefix(); ok && q == prefix {
			return e, true
		}
	}
	return packet.Entry{}, false
}

// logPackets logs captured messages, one a line.
func logPackets(t testing.TB, ps []ripPacket) {
	t.Helper()
	for _, p := range ps {
		t.Logf("%v:%d -> %v %s v%d auth %v err %v %+v", p.Src, p.SrcPort, p.Dst, p.Msg.Command, p.Msg.Version, p.Msg.Auth.Type, p.Err, p.Msg.Entries)
	}
}
