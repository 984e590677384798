//go:build linux

package rip

// Interop tests: our Instance on real UDP 520 sockets in one network
// namespace, FRR 8.4 ripd (with zebra) or BIRD 2.0 `protocol rip` in
// another, joined by veth pairs, all on fast timers (ours FastTimers,
// FRR `timers basic 5 15 10`, BIRD update/timeout/garbage 5/15/10). Each
// test asserts on what the peer says (vtysh, birdc) and on both kernels
// (ours through netlink, the peer's through `ip -j route show`). They
// need root and the binaries; they skip otherwise (fail with CI=true).
//
//	sudo go test -run 'TestInterop' -v ./rip/

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/switchless/routing/internal/nstest"
	"github.com/switchless/routing/rip/packet"
)

// Prefixes of the interop tests.
const (
	ourX   = "198.51.100.10/32" // announced by us, withdrawn with Withdraw
	ourY   = "198.51.100.20/32" // announced by us, withdrawn by Stop
	frrNet = "203.0.113.0/24"   // originated by FRR (`route`)
	bdNet  = "192.0.2.0/24"     // originated by BIRD (static, exported)
)

const (
	learnWithin = 15 * time.Second // a regular update (5 s) or two, with margin
	frrMD5Key   = "rip-md5-key"
	// A key longer than SHA-256's 32 bytes: BIRD uses it as the HMAC key
	// unchanged (KeyConfig.PlainHMACKey).
	birdSHAKey = "rip-hmac-sha256-key-longer-than-32-bytes"
)

// TestInteropFRR_RoutesWithdrawStop: both directions with FRR ripd on
// one link. FRR learns our two /32s at metric 2 from 10.0.0.1 and zebra
// installs them via 10.0.0.1 (proto rip); we learn FRR's 203.0.113.0/24
// at metric 2 via 10.0.0.2 into our kernel (proto 244). Withdraw puts X
// at metric 16 in FRR (garbage collection) and out of FRR's kernel; Stop
// does the same for Y.
func TestInteropFRR_RoutesWithdrawStop(t *testing.T) {
	l := newRIPLab(t, 1)
	f := startFRRRIP(t, l.peer, frrRIPConf("", []string{"veth0"}, " route "+frrNet))
	us := startOurRIP(t, l.ours, Config{Interfaces: []InterfaceConfig{ourIface(0)}})
	k := openKernel(t, l.ours)
	for _, p := range []string{ourX, ourY} {
		if err := us.Announce(pfx(p), 1, 0); err != nil {
			t.Fatal(err)
		}
	}
	// FRR → us.
	waitOurKernel(t, k, frrNet, learnWithin, "10.0.0.2")
	r, ok := us.Route(pfx(frrNet))
	if !ok || r.Metric != 2 || len(r.NextHops) != 1 || r.NextHops[0].Gateway.String() != "10.0.0.2" || r.NextHops[0].Interface != "veth0" {
		t.Fatalf("our route %s = %+v, want metric 2 via 10.0.0.2 on veth0", frrNet, r)
	}
	// Us → FRR.
	for _, p := range []string{ourX, ourY} {
		fr := f.waitRoute(t, p, "10.0.0.1", 2, learnWithin)
		if fr.NextHop != "10.0.0.1" || !strings.HasPrefix(fr.Code, "R(n)") {
			t.Fatalf("FRR %s = %+v, want R(n) next hop 10.0.0.1", p, fr)
		}
		waitPeerKernel(t, l.peer, p, "10.0.0.1", "rip", 5*time.Second)
	}
	// Withdraw: metric 16 at FRR at once (triggered update), out of its
	// kernel.
	w := time.Now()
	if err := us.Withdraw(pfx(ourX)); err != nil {
		t.Fatal(err)
	}
	f.waitRoute(t, ourX, "10.0.0.1", 16, 5*time.Second)
	waitPeerKernel(t, l.peer, ourX, "", "", 5*time.Second)
	t.Logf("Withdraw: %s at metric 16 in FRR and out of its kernel after %v", ourX, time.Since(w))
	if _, ok, _ := peerKernel(l.peer, ourY); !ok {
		t.Fatalf("%s left FRR's kernel with %s", ourY, ourX)
	}
	// Graceful stop: Y (and our connected network) at 16.
	w = time.Now()
	if err := us.Stop(t.Context()); err != nil {
		t.Fatal(err)
	}
	f.waitRoute(t, ourY, "10.0.0.1", 16, 5*time.Second)
	waitPeerKernel(t, l.peer, ourY, "", "", 5*time.Second)
	t.Logf("Stop: %s at metric 16 in FRR and out of its kernel after %v", ourY, time.Since(w))
	// Stop also took FRR's route out of our kernel.
	waitOurKernel(t, k, frrNet, time.Second)
}

// TestInteropBIRD_RoutesWithdrawStop: both directions with BIRD 2. BIRD
// learns our /32s with RIP metric 2 via 10.0.0.1 and its kernel protocol
// installs them (proto bird); we learn its 192.0.2.0/24 at metric 2 via
// 10.0.0.2. BIRD drops a route that reaches infinity from its table, so
// Withdraw and Stop must take X and Y out of its table and kernel.
func TestInteropBIRD_RoutesWithdrawStop(t *testing.T) {
	l := newRIPLab(t, 1)
	b := startBIRDRIP(t, l.peer, birdRIPConf("10.0.0.2", []string{"veth0"}, "", bdNet))
	us := startOurRIP(t, l.ours, Config{Interfaces: []InterfaceConfig{ourIface(0)}})
	k := openKernel(t, l.ours)
	for _, p := range []string{ourX, ourY} {
		if err := us.Announce(pfx(p), 1, 0); err != nil {
			t.Fatal(err)
		}
	}
	waitOurKernel(t, k, bdNet, learnWithin, "10.0.0.2")
	if r, ok := us.Route(pfx(bdNet)); !ok || r.Metric != 2 || r.NextHops[0].Gateway.String() != "10.0.0.2" {
		t.Fatalf("our route %s = %+v, want metric 2 via 10.0.0.2", bdNet, r)
	}
	for _, p := range []string{ourX, ourY} {
		b.waitRoute(t, p, "10.0.0.1", 2, learnWithin)
		waitPeerKernel(t, l.peer, p, "10.0.0.1", "bird", 5*time.Second)
	}
	w := time.Now()
	if err := us.Withdraw(pfx(ourX)); err != nil {
		t.Fatal(err)
	}
	b.waitGone(t, ourX, 5*time.Second)
	waitPeerKernel(t, l.peer, ourX, "", "", 5*time.Second)
	t.Logf("Withdraw: %s out of BIRD's table and kernel after %v", ourX, time.Since(w))
	w = time.Now()
	if err := us.Stop(t.Context()); err != nil {
		t.Fatal(err)
	}
	b.waitGone(t, ourY, 5*time.Second)
	waitPeerKernel(t, l.peer, ourY, "", "", 5*time.Second)
	t.Logf("Stop: %s out of BIRD's table and kernel after %v", ourY, time.Since(w))
	waitOurKernel(t, k, bdNet, time.Second)
}

func (b *birdRIP) waitRoute(t testing.TB, prefix, via string, metric int, timeout time.Duration) {
	t.Helper()
	nstest.Eventually(t, timeout, func() error {
		r, ok, out, err := b.route(prefix)
		if err != nil {
			return err
		}
		if !ok || r.Via != via || r.Metric != metric {
			return fmt.Errorf("BIRD: %s = %+v (found %v), want via %s metric %d:\n%s", prefix, r, ok, via, metric, out)
		}
		return nil
	})
}

func (b *birdRIP) waitGone(t testing.TB, prefix string, timeout time.Duration) {
	t.Helper()
	nstest.Eventually(t, timeout, func() error {
		_, ok, out, err := b.route(prefix)
		if err != nil {
			return err
		}
		if ok {
			return fmt.Errorf("BIRD still has %s:\n%s", prefix, out)
		}
		return nil
	})
}

var _ = packet.Infinity
