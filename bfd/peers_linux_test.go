//go:build linux

package bfd

// Helpers of the interop tests (interop_frr_linux_test.go,
// interop_bird_linux_test.go): our Instance on real UDP 3784 sockets in
// one network namespace, FRR 8.4 bfdd (with zebra) or BIRD 2 `protocol
// bfd` in another, each with its own runtime directory, joined by one
// veth pair. nstest owns the namespaces and the processes; only the PIDs
// started here are ever signalled.

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/switchless/routing"
	"github.com/switchless/routing/bfd/packet"
	"github.com/switchless/routing/internal/nstest"
)

// Addresses of the lab: ours in namespace a, the peer's in b.
var (
	ourV4  = netip.MustParseAddr("10.0.0.1")
	peerV4 = netip.MustParseAddr("10.0.0.2")
	ourV6  = netip.MustParseAddr("fe80::1")
	peerV6 = netip.MustParseAddr("fe80::2")
)

// bfdLab is our namespace and the peer's joined by veth0, with
// 10.0.0.1/24 and fe80::1 on ours, 10.0.0.2/24 and fe80::2 on the peer's.
func bfdLab(t *testing.T) (ours, peer *nstest.NS) {
	t.Helper()
	nstest.RequireRoot(t)
	ours, peer = nstest.Pair(t, "bfo", "bfp", 1)
	ours.Exec(t, "ip", "-6", "addr", "add", "fe80::1/64", "dev", "veth0", "nodad")
	peer.Exec(t, "ip", "-6", "addr", "add", "fe80::2/64", "dev", "veth0", "nodad")
	if f := os.Getenv("BFD_INTEROP_PCAP"); f != "" {
		// A debugging aid: the lab's BFD traffic, as the peer sees it.
		if bin, err := nstest.LookBinary("tcpdump"); err == nil {
			c := peer.Start(t, bin, "-i", "veth0", "-n", "-U", "--immediate-mode", "-Z", "root", "-w", f, "udp", "port", "3784")
			nstest.Eventually(t, 5*time.Second, func() error {
				if !strings.Contains(c.Output(), "listening on") {
					return fmt.Errorf("tcpdump not listening yet: %s", c.Output())
				}
				return nil
			})
		}
	}
	return ours, peer
}

// startOurBFD starts an Instance with cfg in ns on transports from
// Listen. BFD_INTEROP_DEBUG=1 logs it at debug level.
func startOurBFD(t *testing.T, ns *nstest.NS, cfg Config) *Instance {
	t.Helper()
	w := nstest.NewLogWriter(t)
	level := slog.LevelInfo
	if os.Getenv("BFD_INTEROP_DEBUG") != "" {
		level = slog.LevelDebug
	}
	log := slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: level}))
	v4, v6, err := Listen(context.Background(), &cfg, ns.Name(), log)
	if err != nil {
		t.Fatal(err)
	}
	in, err := New(cfg, Env{Clock: routing.SystemClock(), Logger: log, Transports: v4, Transports6: v6})
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

// ourSession returns our session to peer.
func ourSession(in *Instance, peer netip.Addr) (SessionInfo, bool) {
	for _, s := range in.Sessions() {
		if s.Peer == peer {
			return s, true
		}
	}
	return SessionInfo{}, false
}

// waitOurState waits until our session to peer is in state.
func waitOurState(t *testing.T, in *Instance, peer netip.Addr, state packet.State, timeout time.Duration) SessionInfo {
	t.Helper()
	var got SessionInfo
	nstest.Eventually(t, timeout, func() error {
		s, ok := ourSession(in, peer)
		if !ok {
			return fmt.Errorf("we have no session to %v: %+v", peer, in.Sessions())
		}
		if s.State != state {
			return fmt.Errorf("our session to %v is %v (remote %v, diag %v), want %v", peer, s.State, s.RemoteState, s.Diag, state)
		}
		got = s
		return nil
	})
	return got
}

// signal sends sig to a process this test started (SIGSTOP, SIGCONT).
func signal(t *testing.T, p *nstest.Proc, sig syscall.Signal) {
	t.Helper()
	if err := syscall.Kill(p.Pid(), sig); err != nil {
		t.Fatalf("kill -%v %d: %v", sig, p.Pid(), err)
	}
}

// freeze stops p (SIGSTOP) and resumes it (SIGCONT) at cleanup, so that
// nstest's SIGTERM reaches a running process.
func freeze(t *testing.T, p *nstest.Proc) {
	t.Helper()
	signal(t, p, syscall.SIGSTOP)
	t.Cleanup(func() { _ = syscall.Kill(p.Pid(), syscall.SIGCONT) })
}

// dropOurBFD drops every packet ns sends on veth0 (our BFD Control
// packets the only traffic of the lab once the neighbour caches are
// filled) with a root pfifo of limit 0: iptables, nft and tc's action
// modules need not be there. It skips the test when tc is missing. The
// returned func lifts the drop.
func dropOurBFD(t *testing.T, ns *nstest.NS) (lift func()) {
	t.Helper()
	if _, err := nstest.LookBinary("tc"); err != nil {
		t.Skip("needs tc to drop our packets")
	}
	if out, err := ns.Try("tc", "qdisc", "add", "dev", "veth0", "root", "pfifo", "limit", "0"); err != nil {
		t.Skipf("tc pfifo unavailable: %v: %s", err, out)
	}
	return func() { ns.Exec(t, "tc", "qdisc", "del", "dev", "veth0", "root") }
}

// ---- FRR ----

// frrBFD is FRR's zebra and bfdd with their own runtime directory.
type frrBFD struct {
	*nstest.FRR
	bfdd *nstest.Proc
}

func startFRRBFD(t *testing.T, ns *nstest.NS, bfdConf string) *frrBFD {
	t.Helper()
	f := &frrBFD{FRR: nstest.StartFRR(t, ns, "bfdd")}
	f.bfdd = f.StartBFDD(t, bfdConf)
	return f
}

// frrPeer is one entry of `show bfd peers json` (FRR 8.4): intervals in
// milliseconds.
type frrPeer struct {
	Peer            string `json:"peer"`
	Interface       string `json:"interface"`
	ID              uint32 `json:"id"`
	RemoteID        uint32 `json:"remote-id"`
	Status          string `json:"status"`
	Diag            string `json:"diagnostic"`
	RemoteDiag      string `json:"remote-diagnostic"`
	RxInterval      int    `json:"receive-interval"`
	TxInterval      int    `json:"transmit-interval"`
	DetectMult      int    `json:"detect-multiplier"`
	RemoteRx        int    `json:"remote-receive-interval"`
	RemoteTx        int    `json:"remote-transmit-interval"`
	RemoteDetect    int    `json:"remote-detect-multiplier"`
	RemoteEchoRx    int    `json:"remote-echo-receive-interval"`
	EchoRx          int    `json:"echo-receive-interval"`
	Multihop        bool   `json:"multihop"`
	PassiveMode     bool   `json:"passive-mode"`
	DownTimeSeconds int    `json:"downtime"`
}

// peer returns FRR's session to addr, with the raw output.
func (f *frrBFD) peer(addr netip.Addr) (frrPeer, bool, string, error) {
	out, err := f.Vtysh("show bfd peers json")
	if err != nil {
		return frrPeer{}, false, out, err
	}
	var ps []frrPeer
	if err := json.Unmarshal([]byte(out), &ps); err != nil {
		return frrPeer{}, false, out, fmt.Errorf("show bfd peers json: %w: %s", err, out)
	}
	for _, p := range ps {
		if a, err := netip.ParseAddr(p.Peer); err == nil && a.WithZone("") == addr {
			return p, true, out, nil
		}
	}
	return frrPeer{}, false, out, nil
}

// waitPeer waits until FRR's session to addr has status (and, when
// diag is not empty, that diagnostic).
func (f *frrBFD) waitPeer(t *testing.T, addr netip.Addr, status, diag string, timeout time.Duration) frrPeer {
	t.Helper()
	var got frrPeer
	nstest.Eventually(t, timeout, func() error {
		p, ok, out, err := f.peer(addr)
		if err != nil {
			return err
		}
		if !ok || p.Status != status || (diag != "" && p.Diag != diag) {
			return fmt.Errorf("FRR's session to %v is not %s (diag %q):\n%s", addr, status, diag, out)
		}
		got = p
		return nil
	})
	return got
}

// ---- BIRD ----

// birdBFD is BIRD 2 with its own control socket and pid file.
type birdBFD struct {
	ns   *nstest.NS
	dir  string
	proc *nstest.Proc
}

func startBIRDBFD(t *testing.T, ns *nstest.NS, conf string) *birdBFD {
	t.Helper()
	bin := nstest.RequireBinary(t, "bird")
	nstest.RequireBinary(t, "birdc")
	b := &birdBFD{ns: ns, dir: nstest.TempDir(t)}
	cf := filepath.Join(b.dir, "bird.conf")
	if err := os.WriteFile(cf, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	b.proc = ns.Start(t, bin, "-f", "-c", cf, "-s", filepath.Join(b.dir, "bird.ctl"), "-P", filepath.Join(b.dir, "bird.pid"))
	nstest.Eventually(t, 10*time.Second, func() error {
		if done, err := b.proc.Exited(); done {
			return fmt.Errorf("bird exited: %v: %s", err, b.proc.Output())
		}
		_, err := b.birdc("show status")
		return err
	})
	return b
}

func (b *birdBFD) birdc(cmd ...string) (string, error) {
	return b.ns.Try("birdc", append([]string{"-s", filepath.Join(b.dir, "bird.ctl")}, cmd...)...)
}

// birdSession is one line of `birdc show bfd sessions`: the transmit
// interval in use and the detection time (BIRD's "Interval" and
// "Timeout").
type birdSession struct {
	State             string
	Interval, Timeout time.Duration
}

var birdSessionLine = regexp.MustCompile(`(?m)^(\S+)\s+(\S+)\s+(\S+)\s+.*?\s+([0-9.]+)\s+([0-9.]+)\s*$`)

// session returns BIRD's session to addr, with the raw output.
func (b *birdBFD) session(addr netip.Addr) (birdSession, bool, string, error) {
	out, err := b.birdc("show", "bfd", "sessions")
	if err != nil {
		return birdSession{}, false, out, err
	}
	for _, m := range birdSessionLine.FindAllStringSubmatch(out, -1) {
		if a, err := netip.ParseAddr(m[1]); err != nil || a.WithZone("") != addr {
			continue
		}
		sec := func(s string) time.Duration {
			f, _ := strconv.ParseFloat(s, 64)
			return time.Duration(f * float64(time.Second)).Round(time.Millisecond)
		}
		return birdSession{State: m[3], Interval: sec(m[4]), Timeout: sec(m[5])}, true, out, nil
	}
	return birdSession{}, false, out, nil
}

// waitSession waits until BIRD's session to addr is in state ("Up",
// "Down", "Init").
func (b *birdBFD) waitSession(t *testing.T, addr netip.Addr, state string, timeout time.Duration) birdSession {
	t.Helper()
	var got birdSession
	nstest.Eventually(t, timeout, func() error {
		s, ok, out, err := b.session(addr)
		if err != nil {
			return err
		}
		if !ok || !strings.EqualFold(s.State, state) {
			return fmt.Errorf("BIRD's session to %v is not %s:\n%s", addr, state, out)
		}
		got = s
		return nil
	})
	return got
}
