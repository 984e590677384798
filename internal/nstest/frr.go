package nstest

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// FRR is FRR's zebra, and the daemons started next to it (ospfd, ripd,
// bfdd), in one namespace with their own runtime directory: configs, pid
// files, zebra's zserv socket and the vty sockets.
type FRR struct {
	NS    *NS
	Dir   string
	Zebra *Proc
}

// StartFRR starts zebra in ns, with a zebra.conf naming the host "peer",
// and waits for its zserv socket, which the other daemons connect to. It
// first requires zebra, vtysh and the daemons the test will start, so
// that a missing one skips (or, under CI, fails) before anything runs.
func StartFRR(t testing.TB, ns *NS, daemons ...string) *FRR {
	t.Helper()
	zebra := RequireBinary(t, "zebra")
	for _, d := range daemons {
		RequireBinary(t, d)
	}
	RequireBinary(t, "vtysh")
	f := &FRR{NS: ns, Dir: TempDir(t)}
	f.WriteConf(t, "zebra", "hostname peer\n")
	f.Zebra = ns.Start(t, zebra, f.Args("zebra")...)
	Eventually(t, 10*time.Second, func() error {
		_, err := os.Stat(filepath.Join(f.Dir, "zserv.api"))
		return err
	})
	return f
}

// WriteConf writes conf as daemon's configuration file, daemon.conf in
// Dir.
func (f *FRR) WriteConf(t testing.TB, daemon, conf string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(f.Dir, daemon+".conf"), []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
}

// Args returns daemon's command line options: its config and pid file,
// zebra's socket and the vty socket in Dir, no TCP vty, logs on stdout.
func (f *FRR) Args(daemon string) []string {
	return []string{
		"-f", filepath.Join(f.Dir, daemon+".conf"),
		"-i", filepath.Join(f.Dir, daemon+".pid"),
		"-z", filepath.Join(f.Dir, "zserv.api"),
		"--vty_socket", f.Dir,
		"-P", "0", // no TCP vty
		"--log", "stdout",
	}
}

// Start writes conf as daemon's configuration, starts daemon with Args
// and extra, and waits until vtysh answers the command ready (e.g. "show
// ip rip status"), reporting the daemon's output if it exits.
func (f *FRR) Start(t testing.TB, daemon, conf, ready string, extra ...string) *Proc {
	t.Helper()
	bin := RequireBinary(t, daemon)
	f.WriteConf(t, daemon, conf)
	p := f.NS.Start(t, bin, append(f.Args(daemon), extra...)...)
	Eventually(t, 10*time.Second, func() error {
		if done, err := p.Exited(); done {
			return fmt.Errorf("%s exited: %v: %s", daemon, err, p.Output())
		}
		_, err := f.Vtysh(ready)
		return err
	})
	return p
}

// StartBFDD starts bfdd with conf, its control socket in Dir.
func (f *FRR) StartBFDD(t testing.TB, conf string) *Proc {
	t.Helper()
	return f.Start(t, "bfdd", conf, "show bfd peers", "--bfdctl", filepath.Join(f.Dir, "bfdd.sock"))
}

// Vtysh runs one vtysh command against the daemons and returns its
// output.
func (f *FRR) Vtysh(cmd string) (string, error) {
	return f.NS.Try("vtysh", "--vty_socket", f.Dir, "-c", cmd)
}

// FRRRoute is one route of zebra's `show ip route json`.
type FRRRoute struct {
	Prefix    string       `json:"prefix"`
	Protocol  string       `json:"protocol"`
	Selected  bool         `json:"selected"`
	Installed bool         `json:"installed"`
	Metric    int          `json:"metric"`
	Uptime    string       `json:"uptime"` // "hh:mm:ss" under a day
	NextHops  []FRRNextHop `json:"nexthops"`
}

// FRRNextHop is one next hop of an FRRRoute.
type FRRNextHop struct {
	IP        string `json:"ip"`
	Interface string `json:"interfaceName"`
	Active    bool   `json:"active"`
}

// Age is the route's uptime, or -1 when zebra spells it otherwise than
// hh:mm:ss (a day or more).
func (r FRRRoute) Age() time.Duration {
	var h, m, s int
	if n, err := fmt.Sscanf(r.Uptime, "%d:%d:%d", &h, &m, &s); err != nil || n != 3 {
		return -1
	}
	return time.Duration(h)*time.Hour + time.Duration(m)*time.Minute + time.Duration(s)*time.Second
}

// Routes returns zebra's IPv4 routes of protocol ("ospf", "rip"; ""
// for every protocol) by prefix: `show ip route [PROTOCOL] json`.
func (f *FRR) Routes(protocol string) (map[string][]FRRRoute, error) {
	cmd := "show ip route json"
	if protocol != "" {
		cmd = "show ip route " + protocol + " json"
	}
	out, err := f.Vtysh(cmd)
	if err != nil {
		return nil, err
	}
	rs := map[string][]FRRRoute{}
	if err := json.Unmarshal([]byte(out), &rs); err != nil {
		return nil, fmt.Errorf("%s: %w: %s", cmd, err, out)
	}
	return rs, nil
}
