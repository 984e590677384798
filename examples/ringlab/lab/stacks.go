//go:build linux

package lab

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"

	"github.com/switchless/routing/fib"
	"github.com/switchless/routing/internal/labns"
	"github.com/switchless/routing/internal/ringconf"
	"github.com/switchless/routing/ring"
)

// stack is a control plane run on every node.
type stack interface {
	describe() string
	// prepare writes the node's configuration.
	prepare(n *node) error
	// start launches the node's daemons.
	start(n *node) error
	// kill crashes them: SIGKILL, nothing sent.
	kill(n *node)
	// stop stops them gracefully.
	stop(n *node)
	// leftovers reports what a gracefully stopped node left behind that
	// its daemons should have withdrawn.
	leftovers(n *node) error
	// verify asks the daemons of a settled ring for their state and
	// reports what disagrees with the design (nil when it cannot ask).
	verify(nodes []*node) error
}

// ours runs examples/ringd.
type ours struct{ l *Lab }

func (o *ours) describe() string { return settings(Ours, o.l.opt.Profile, o.l.uplink()) }

func (o *ours) conf(n *node) string { return filepath.Join(n.dir, "ringd.yaml") }

func (o *ours) prepare(n *node) error {
	f := ringconf.File{
		Node:       n.cfg.Name,
		Interfaces: map[string]string{},
		Socket:     filepath.Join(n.dir, "ringd.sock"),
		LogLevel:   map[bool]string{true: "debug"}[o.l.opt.Debug],
		Spec:       ringconf.FromSpec(o.l.spec),
	}
	for _, name := range n.ifnames() {
		f.Interfaces[name] = name
	}
	b, err := f.Marshal()
	if err != nil {
		return err
	}
	return os.WriteFile(o.conf(n), b, 0o644)
}

func (o *ours) start(n *node) error {
	p, err := labns.Start(n.ns, filepath.Join(n.dir, "ringd.log"), o.l.opt.Ringd, "run", "-config", o.conf(n))
	if err != nil {
		return err
	}
	n.procs = []*labns.Proc{p}
	return nil
}

func (o *ours) kill(n *node) {
	for _, p := range n.procs {
		p.Kill()
	}
}

func (o *ours) stop(n *node) {
	for _, p := range n.procs {
		p.Stop(10 * time.Second)
	}
}

// verify asks every ringd for its status (`ringd show -json`, over the
// status socket, which lives in the file system and so is reachable from
// outside the namespace): every node Full with both ring neighbours and,
// when the profile runs BFD, a session Up at its interval on each ring
// link, the master edge VRRP Master with the static default installed,
// the backup edge Backup.
func (o *ours) verify(nodes []*node) error {
	var errs []error
	for _, n := range nodes {
		out, err := labns.Output(o.l.opt.Ringd, "show", "-json", "-socket", filepath.Join(n.dir, "ringd.sock"))
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", n.cfg.Name, err))
			continue
		}
		var st struct {
			Node      string
			Neighbors []struct{ Interface, State string }
			Static    *bool `json:"static_default"`
			VRRP      *struct{ State string }
			BFD       []struct {
				Interface, State string
				TxInterval       string `json:"tx_interval"`
			}
		}
		if err := json.Unmarshal([]byte(out), &st); err != nil {
			errs = append(errs, fmt.Errorf("%s: ringd show -json: %w", n.cfg.Name, err))
			continue
		}
		full := map[string]bool{}
		for _, nb := range st.Neighbors {
			if nb.State == "full" {
				full[nb.Interface] = true
			}
		}
		if st.Node != n.cfg.Name || !full[ring.IfEast] || !full[ring.IfWest] {
			errs = append(errs, fmt.Errorf("%s: ringd reports node %q, neighbors %+v: want Full on east and west", n.cfg.Name, st.Node, st.Neighbors))
		}
		if iv := n.cfg.Timers.BFDInterval; iv > 0 {
			up := map[string]bool{}
			for _, s := range st.BFD {
				if s.State == "up" && s.TxInterval == iv.String() {
					up[s.Interface] = true
				}
			}
			if !up[ring.IfEast] || !up[ring.IfWest] {
				errs = append(errs, fmt.Errorf("%s: ringd BFD sessions %+v: want Up at %v on east and west", n.cfg.Name, st.BFD, iv))
			}
		}
		want := map[ring.Role]string{ring.MasterEdge: "master", ring.BackupEdge: "backup"}[n.cfg.Role]
		switch {
		case want == "" && (st.VRRP != nil || st.Static != nil):
			errs = append(errs, fmt.Errorf("%s: an inner node reports VRRP or a static default", n.cfg.Name))
		case want != "" && (st.VRRP == nil || st.VRRP.State != want):
			errs = append(errs, fmt.Errorf("%s: VRRP %+v, want %s", n.cfg.Name, st.VRRP, want))
		case want != "" && (st.Static == nil || !*st.Static):
			errs = append(errs, fmt.Errorf("%s: static default not installed", n.cfg.Name))
		}
	}
	return errors.Join(errs...)
}

// leftovers: a ringd stopped by SIGTERM withdraws every route it
// installed (OSPF's, rtm_protocol 243; the static default and the discard
// routes, 242) and gives up the VIP.
func (o *ours) leftovers(n *node) error {
	var errs []error
	for _, proto := range []int{fib.RTProtoOSPF, fib.RTProtoStatic} {
		rs, err := n.ns.H.RouteListFiltered(netlink.FAMILY_V4, &netlink.Route{Protocol: netlink.RouteProtocol(proto), Table: unix.RT_TABLE_UNSPEC},
			netlink.RT_FILTER_PROTOCOL|netlink.RT_FILTER_TABLE)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: routes: %w", n.cfg.Name, err))
			continue
		}
		for _, r := range rs {
			if r.Protocol == netlink.RouteProtocol(proto) {
				errs = append(errs, fmt.Errorf("%s: ringd left route %v (proto %d) after SIGTERM", n.cfg.Name, r, proto))
			}
		}
	}
	if n.cfg.IsEdge() {
		if has, err := hasAddr(n.ns, ring.IfUpstream, o.l.spec.Upstream.VIP); err != nil || has {
			errs = append(errs, fmt.Errorf("%s: the VIP is still on %s after SIGTERM (%v)", n.cfg.Name, ring.IfUpstream, err))
		}
	}
	return errors.Join(errs...)
}

// frr runs FRR's zebra, bfdd (fast profile), staticd (edges) and ospfd,
// and keepalived (edges), each node in its own runtime directory; see
// settings.go for the timers.
type frr struct {
	l                                            *Lab
	zebra, bfdd, staticd, ospfd, keepaliv, vtysh string
}

func newFRR(l *Lab) (*frr, error) {
	f := &frr{l: l}
	var errs []error
	for _, b := range []struct {
		name string
		dst  *string
	}{{"zebra", &f.zebra}, {"bfdd", &f.bfdd}, {"staticd", &f.staticd}, {"ospfd", &f.ospfd}, {"keepalived", &f.keepaliv}, {"vtysh", &f.vtysh}} {
		if b.name == "keepalived" && !l.uplink() {
			continue // no VRRP without uplink
		}
		p, err := LookBinary(b.name)
		if err != nil {
			errs = append(errs, err)
		}
		*b.dst = p
	}
	return f, errors.Join(errs...)
}

// LookBinary finds a program in PATH or where Debian puts daemons.
func LookBinary(name string) (string, error) {
	for _, dir := range append(filepath.SplitList(os.Getenv("PATH")), "/usr/lib/frr", "/usr/sbin", "/sbin", "/usr/bin") {
		p := filepath.Join(dir, name)
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	return "", fmt.Errorf("lab: %s not found (apt-get install frr keepalived fping)", name)
}

func (f *frr) describe() string { return settings(FRR, f.l.opt.Profile, f.l.uplink()) }

func (f *frr) args(n *node, daemon string) []string {
	return []string{
		"-f", filepath.Join(n.dir, daemon+".conf"),
		"-i", filepath.Join(n.dir, daemon+".pid"),
		"-z", filepath.Join(n.dir, "zserv.api"),
		"--vty_socket", n.dir,
		"-P", "0",
		"--log", "stdout",
	}
}

// prepare writes zebra.conf, ospfd.conf with the planned costs, and at
// the edges staticd.conf (the static default) and keepalived.conf.
func (f *frr) prepare(n *node) error {
	c := n.cfg
	files := map[string]string{"zebra.conf": "hostname " + c.Name + "\nlog timestamp precision 3\n"}
	var b strings.Builder
	fmt.Fprintf(&b, "hostname %s\nlog timestamp precision 3\n", c.Name)
	for _, ifc := range c.Interfaces {
		switch ifc.Kind {
		case ring.KindEast, ring.KindWest:
			fmt.Fprintf(&b, "interface %s\n ip ospf area 0\n ip ospf network point-to-point\n ip ospf cost %d\n", ifc.Name, ifc.Cost)
			for _, l := range frrInterface(f.l.opt.Profile) {
				b.WriteString(" " + l + "\n")
			}
		case ring.KindLAN:
			fmt.Fprintf(&b, "interface %s\n ip ospf area 0\n ip ospf passive\n", ifc.Name)
		}
	}
	fmt.Fprintf(&b, "router ospf\n ospf router-id %v\n log-adjacency-changes detail\n", c.OSPF.RouterID)
	for _, l := range frrRouter(f.l.opt.Profile) {
		b.WriteString(" " + l + "\n")
	}
	if bfd := frrBFD(f.l.opt.Profile); bfd != "" {
		files["bfdd.conf"] = fmt.Sprintf("hostname %s\nlog timestamp precision 3\n%s", c.Name, bfd)
	}
	if c.IsEdge() {
		fmt.Fprintf(&b, " default-information originate metric %d metric-type 2\n", c.DefaultMetric)
		files["staticd.conf"] = fmt.Sprintf("hostname %s\nip route 0.0.0.0/0 %v\n", c.Name, f.l.spec.Upstream.Gateway)
		v := c.VRRP
		version, advert := keepalivedVRRP(f.l.opt.Profile)
		files["keepalived.conf"] = fmt.Sprintf(`global_defs {
  router_id %s
  vrrp_version %d
  vrrp_garp_master_delay 0
  vrrp_garp_master_repeat 3
}
vrrp_instance ring {
  state BACKUP
  interface up
  virtual_router_id %d
  priority %d
  advert_int %s
  virtual_ipaddress {
    %v/32
  }
}
`, c.Name, version, v.VRID, v.Priority, advert, v.VirtualAddresses[0])
	}
	files["ospfd.conf"] = b.String()
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(n.dir, name), []byte(text), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// start launches zebra, waits for its API socket, then bfdd (before
// ospfd, which registers its neighbours with it through zebra), staticd,
// ospfd and keepalived.
func (f *frr) start(n *node) error {
	if n.staleWorker > 0 {
		// A killed worker is reaped only once its parent is gone. Until
		// then its pid in vrrp.pid is alive, and keepalived would refuse
		// to start ("daemon is already running").
		waitGone(n.staleWorker, 5*time.Second)
		n.staleWorker = 0
	}
	api := filepath.Join(n.dir, "zserv.api")
	_ = os.Remove(api) // left by a zebra that was killed
	var procs []*labns.Proc
	add := func(bin string, args ...string) error {
		p, err := labns.Start(n.ns, filepath.Join(n.dir, filepath.Base(bin)+".log"), bin, args...)
		if err != nil {
			return err
		}
		procs = append(procs, p)
		return nil
	}
	defer func() { n.procs = procs }()
	if err := add(f.zebra, f.args(n, "zebra")...); err != nil {
		return err
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		if _, err := os.Stat(api); err == nil {
			break
		}
		if time.Now().After(deadline) || procs[0].Exited() {
			return fmt.Errorf("%s: zebra did not open %s (see %s)", n.cfg.Name, api, procs[0].Log.Name())
		}
		time.Sleep(5 * time.Millisecond)
	}
	if frrBFD(f.l.opt.Profile) != "" {
		// Its control socket defaults to one path for the whole host.
		if err := add(f.bfdd, append(f.args(n, "bfdd"), "--bfdctl", filepath.Join(n.dir, "bfdd.sock"))...); err != nil {
			return err
		}
	}
	if n.cfg.IsEdge() {
		if err := add(f.staticd, f.args(n, "staticd")...); err != nil {
			return err
		}
	}
	if err := add(f.ospfd, f.args(n, "ospfd")...); err != nil {
		return err
	}
	if n.cfg.IsEdge() {
		if err := add(f.keepaliv, "-n", "-l", "-D", "-P",
			"-f", filepath.Join(n.dir, "keepalived.conf"),
			"-p", filepath.Join(n.dir, "keepalived.pid"),
			"-r", filepath.Join(n.dir, "vrrp.pid"),
			"-c", filepath.Join(n.dir, "checkers.pid")); err != nil {
			return err
		}
	}
	return nil
}

// keepalived returns the node's keepalived parent, if running.
func keepalived(n *node) *labns.Proc {
	for _, p := range n.procs {
		if filepath.Base(p.Name) == "keepalived" {
			return p
		}
	}
	return nil
}

func (f *frr) kill(n *node) {
	// keepalived's VRRP worker first, or it would notice its parent's
	// death and shut down gracefully (priority 0); and with the parent
	// stopped, or it would see its worker die and start another.
	worker := 0
	if k := keepalived(n); k != nil {
		_ = k.Cmd.Process.Signal(unix.SIGSTOP)
		worker = killChild(filepath.Join(n.dir, "vrrp.pid"), k.Pid())
	}
	var wg sync.WaitGroup
	for _, p := range n.procs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p.Kill()
		}()
	}
	wg.Wait()
	n.staleWorker = worker
}

// leftovers checks nothing for FRR.
func (f *frr) leftovers(*node) error { return nil }

// verify asks every ospfd for its neighbors (vtysh, over the node's vty
// socket): Full on east and west.
func (f *frr) verify(nodes []*node) error {
	var errs []error
	for _, n := range nodes {
		out, err := labns.Output(f.vtysh, "--vty_socket", n.dir, "-c", "show ip ospf neighbor json")
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", n.cfg.Name, err))
			continue
		}
		var v struct {
			Neighbors map[string][]struct {
				State string `json:"nbrState"`
				Iface string `json:"ifaceName"`
			} `json:"neighbors"`
		}
		if err := json.Unmarshal([]byte(out), &v); err != nil {
			errs = append(errs, fmt.Errorf("%s: vtysh: %w: %s", n.cfg.Name, err, out))
			continue
		}
		full := map[string]bool{}
		for _, ns := range v.Neighbors {
			for _, nb := range ns {
				if strings.HasPrefix(nb.State, "Full") {
					full[strings.SplitN(nb.Iface, ":", 2)[0]] = true
				}
			}
		}
		if !full[ring.IfEast] || !full[ring.IfWest] {
			errs = append(errs, fmt.Errorf("%s: FRR neighbors %s: want Full on east and west", n.cfg.Name, strings.TrimSpace(out)))
		}
		if frrBFD(f.l.opt.Profile) != "" {
			errs = append(errs, f.verifyBFD(n))
		}
	}
	return errors.Join(errs...)
}

// verifyBFD asks bfdd for its sessions: one up on east and one on west,
// at the profile's interval, so that the reference's figures are those
// of a ring with BFD.
func (f *frr) verifyBFD(n *node) error {
	out, err := labns.Output(f.vtysh, "--vty_socket", n.dir, "-c", "show bfd peers json")
	if err != nil {
		return fmt.Errorf("%s: %w", n.cfg.Name, err)
	}
	var peers []struct {
		Interface string `json:"interface"`
		Status    string `json:"status"`
		TxMs      int    `json:"transmit-interval"`
	}
	if err := json.Unmarshal([]byte(out), &peers); err != nil {
		return fmt.Errorf("%s: show bfd peers json: %w: %s", n.cfg.Name, err, out)
	}
	want := int(ring.ProfileFast.Timers().BFDInterval.Milliseconds())
	up := map[string]bool{}
	for _, p := range peers {
		if p.Status == "up" && p.TxMs == want {
			up[p.Interface] = true
		}
	}
	if !up[ring.IfEast] || !up[ring.IfWest] {
		return fmt.Errorf("%s: bfdd peers %s: want up at %d ms on east and west", n.cfg.Name, strings.TrimSpace(out), want)
	}
	return nil
}

func (f *frr) stop(n *node) {
	// keepalived first (priority 0), then ospfd (flushes its LSAs), then
	// the rest.
	for i := len(n.procs) - 1; i >= 0; i-- {
		n.procs[i].Stop(10 * time.Second)
	}
}
