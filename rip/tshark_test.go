package rip

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/switchless/routing/internal/tsharktest"
	"github.com/switchless/routing/netsim"
	"github.com/switchless/routing/rip/packet"
)

// TestTsharkDissectsWhatWeSend captures a simulated triangle (links with
// no authentication, a password, keyed MD5 and HMAC-SHA-256) through
// start, updates, a withdrawal and a graceful stop, and requires tshark
// to dissect every frame as RIPv2 without a complaint. It skips without
// tshark (fails under CI=true).
func TestTsharkDissectsWhatWeSend(t *testing.T) {
	tshark := tsharktest.Require(t)
	s := newSim(t, 9)
	var buf bytes.Buffer
	cp, err := s.net.CapturePcapng(&buf)
	if err != nil {
		t.Fatal(err)
	}
	c := netsim.Conditions{Latency: time.Millisecond}
	s.stub("a", pfx("192.168.0.1/24"))
	s.link("a", "b", c)
	s.link("b", "c", c)
	s.link("c", "a", c)
	auths := map[string]AuthConfig{
		"10.1.0.0/24": {Mode: AuthPassword, Password: "pw"},
		"10.2.0.0/24": {Mode: AuthCrypto, Keys: []KeyConfig{{ID: 3, Algorithm: packet.AlgMD5, Secret: "md5"}}},
		"10.3.0.0/24": {Mode: AuthCrypto, Keys: []KeyConfig{{ID: 7, Algorithm: packet.AlgHMACSHA256, Secret: "sha"}}},
	}
	s.start(func(r *simRouter) {
		for k := range r.cfg.Interfaces {
			r.cfg.Interfaces[k].Auth = auths[r.cfg.Interfaces[k].Prefix.Masked().String()]
		}
	})
	if err := s.routers["a"].inst.Announce(pfx("198.51.100.10/32"), 2, 100); err != nil {
		t.Fatal(err)
	}
	s.advance(time.Minute)
	for _, n := range []string{"b", "c"} {
		if s.metric(n, stubX) != 2 {
			t.Fatalf("%s did not learn through authenticated links: %v", n, s.routers[n].inst.Stats().Dropped)
		}
	}
	_ = s.routers["a"].inst.Withdraw(pfx("198.51.100.10/32"))
	s.advance(10 * time.Second)
	s.stop("a")
	s.advance(time.Second)
	if err := cp.Close(); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "rip.pcapng")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	out := tsharktest.Run(t, tshark, "-r", path, "-V", "-o", "ip.check_checksum:TRUE", "-o", "udp.check_checksum:TRUE")
	// Each frame is preceded by its netsim comment ("from b/eth0 to
	// a/eth1"); SplitFrames drops what comes before the first.
	frames := tsharktest.SplitFrames(out)
	if len(frames) < 20 {
		t.Fatalf("only %d frames", len(frames))
	}
	tsharktest.CheckFrames(t, frames, "RIPv2", nil, "Routing Information Protocol", "RIPv2")
	t.Logf("%d frames dissected", len(frames))
	if os.Getenv("RIP_TSHARK_DUMP") != "" {
		t.Log(out)
	}
}
