//go:build linux

package rip

// TestCaptureGoldens captures the golden payloads of rip/packet's
// TestGolden* from FRR ripd and BIRD 2 in namespaces. It runs only with
// RIP_UPDATE_GOLDEN=1 (as root, with frr, bird2 and tcpdump):
//
//	sudo RIP_UPDATE_GOLDEN=1 go test -run TestCaptureGoldens -v ./rip/
//
// Topology: a sink namespace (nothing runs there but tcpdump, one per
// veth) joined to FRR's namespace by veth0-2 and to BIRD's by veth3-4;
// the peers are 10.0.<i>.2/24 on veth<i>:
//
//	veth0 FRR RIP-2, no authentication    -> frr-v2.txt (request, response)
//	veth1 FRR RIP-2, keyed MD5 key 1      -> frr-md5.txt
//	veth2 FRR `ip rip send version 1`     -> frr-v1.txt
//	veth3 BIRD RIP-2, no authentication   -> bird-v2.txt
//	veth4 BIRD HMAC-SHA-256 key 1         -> bird-hmac-sha256.txt
//
// Each file holds the UDP payloads sent by the peer, one a line in hex
// after a comment naming source, destination and kind; README.md notes
// the versions and the configurations (with the keys). Tests only read
// these files.

import (
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/switchless/routing/internal/nstest"
	"github.com/switchless/routing/rip/packet"
)

func TestCaptureGoldens(t *testing.T) {
	if os.Getenv("RIP_UPDATE_GOLDEN") != "1" {
		t.Skip("set RIP_UPDATE_GOLDEN=1 to capture rip/packet/testdata/golden again from FRR and BIRD")
	}
	sink, frrNS, birdNS := nstest.New(t, "rxg"), nstest.New(t, "rxf"), nstest.New(t, "rxb")
	for i := range 5 {
		peer := frrNS
		if i >= 3 {
			peer = birdNS
		}
		name := fmt.Sprintf("veth%d", i)
		nstest.Veth(t, sink, name, peer, name)
		sink.Exec(t, "ip", "addr", "add", fmt.Sprintf("10.0.%d.1/24", i), "dev", name)
		peer.Exec(t, "ip", "addr", "add", fmt.Sprintf("10.0.%d.2/24", i), "dev", name)
	}
	caps := make([]*capture, 5)
	for i := range caps {
		caps[i] = startCapture(t, sink, fmt.Sprintf("veth%d", i))
	}
	frrConf := frrRIPConf(frrMD5Preamble(frrMD5Key)+`
interface veth1
 ip rip authentication mode md5
 ip rip authentication key-chain kc
!
interface veth2
 ip rip send version 1
 ip rip receive version 1
!`, []string{"veth0", "veth1", "veth2"}, " route "+frrNet)
	// frrMD5Preamble names veth0; the goldens want it unauthenticated.
	frrConf = strings.Replace(frrConf, "interface veth0\n ip rip authentication mode md5\n ip rip authentication key-chain kc\n!\n", "", 1)
	birdConf := fmt.Sprintf(`router id 10.0.3.2;
protocol device { scan time 1; }
protocol static { ipv4; route %s blackhole; }
protocol rip rip1 {
	ipv4 { import all; export all; };
	interface "veth3" { update time 5; timeout time 15; garbage time 10; };
	interface "veth4" {
		update time 5; timeout time 15; garbage time 10;
		authentication cryptographic;
		password %q { id 1; algorithm hmac sha256; };
	};
}
`, bdNet, birdSHAKey)
	startFRRRIP(t, frrNS, frrConf)
	startBIRDRIP(t, birdNS, birdConf)

	files := []struct {
		name, from string
		wantReq    bool
	}{
		{"frr-v2.txt", "10.0.0.2", true},
		{"frr-md5.txt", "10.0.1.2", false},
		{"frr-v1.txt", "10.0.2.2", false},
		{"bird-v2.txt", "10.0.3.2", false},
		{"bird-hmac-sha256.txt", "10.0.4.2", false},
	}
	// Two responses from every peer interface, so each file has a regular
	// update with the whole table.
	nstest.Eventually(t, 20*time.Second, func() error {
		for i, f := range files {
			n := 0
			for _, p := range caps[i].packets(t) {
				if p.Src.String() == f.from && p.Msg.Command == packet.Response {
					n++
				}
			}
			if n < 2 {
				return fmt.Errorf("%s: %d responses", f.name, n)
			}
		}
		return nil
	})
	gdir := filepath.Join("packet", "testdata", "golden")
	if err := os.MkdirAll(gdir, 0o755); err != nil {
		t.Fatal(err)
	}
	for i, f := range files {
		var b strings.Builder
		fmt.Fprintf(&b, "# RIP payloads sent by %s, captured by TestCaptureGoldens (rip/golden_capture_linux_test.go)\n", f.from)
		fmt.Fprintf(&b, "# on %s; one UDP payload per line, hex; see README.md for versions, configurations and keys.\n", time.Now().UTC().Format(time.DateOnly))
		seen, kept := map[string]bool{}, map[packet.Command]int{}
		for _, p := range caps[i].stop(t) {
			if p.Src.String() != f.from || seen[string(p.Payload)] || kept[p.Msg.Command] >= 2 {
				continue
			}
			if p.Err != nil {
				t.Fatalf("%s: a %s payload does not parse: %v", f.name, f.from, p.Err)
			}
			seen[string(p.Payload)] = true
			kept[p.Msg.Command]++
			fmt.Fprintf(&b, "# %s:%d -> %s RIP-%d %s, auth %s, %d entries\n%s\n", p.Src, p.SrcPort, p.Dst, p.Msg.Version, p.Msg.Command, p.Msg.Auth.Type, len(p.Msg.Entries), hex.EncodeToString(p.Payload))
		}
		if f.wantReq && kept[packet.Request] == 0 {
			t.Errorf("%s: no request captured", f.name)
		}
		if err := os.WriteFile(filepath.Join(gdir, f.name), []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: %d requests, %d responses", f.name, kept[packet.Request], kept[packet.Response])
	}
	version := func(bin string, args ...string) string {
		out, _ := exec.Command(bin, args...).CombinedOutput()
		return strings.TrimSpace(strings.SplitN(string(out), "\n", 2)[0])
	}
	ripd, _ := nstest.LookBinary("ripd")
	bird, _ := nstest.LookBinary("bird")
	readme := fmt.Sprintf(`# Golden RIP payloads from FRR ripd and BIRD 2

Captured by `+"`TestCaptureGoldens`"+` in rip/golden_capture_linux_test.go on %s;
regenerate (root, frr, bird2, tcpdump) with

    sudo RIP_UPDATE_GOLDEN=1 go test -run TestCaptureGoldens -v ./rip/

and check with `+"`go test -run TestGolden ./rip/packet/`"+` (portable, no root).
Each file holds the UDP payloads one peer interface sent (IP and UDP
headers removed), one a line in hex, at most two requests and two
responses, each after a comment line.

Versions:

- `+"`%s --version`"+`: %s
- `+"`%s --version`"+`: %s

| file | sender | what |
|---|---|---|
| frr-v2.txt | FRR veth0 10.0.0.2 | RIP-2 whole-table request at start, responses, no authentication |
| frr-md5.txt | FRR veth1 10.0.1.2 | keyed MD5, key chain kc key 1, key-string `+"`%s`"+`, FRR's default auth-length (old-ripd: Auth Data Len 20); its start request is unauthenticated |
| frr-v1.txt | FRR veth2 10.0.2.2 | `+"`ip rip send version 1`"+`: RIP-1 to the broadcast address |
| bird-v2.txt | BIRD veth3 10.0.3.2 | RIP-2, no authentication |
| bird-hmac-sha256.txt | BIRD veth4 10.0.4.2 | HMAC-SHA-256, id 1, password `+"`%s`"+` (%d bytes: longer than the digest, BIRD uses it unchanged: KeyConfig.PlainHMACKey) |

FRR originates %s (`+"`route`"+`) and has the three links' networks
connected; BIRD originates %s (a static blackhole exported into RIP).
Nobody answers on the sink side, so nothing learnt appears.

ripd.conf (zebra.conf is `+"`hostname peer`"+`):

`+"```"+`
%s`+"```"+`

bird.conf:

`+"```"+`
%s`+"```"+`
`, time.Now().UTC().Format(time.DateOnly), ripd, version(ripd, "--version"), bird, version(bird, "--version"),
		frrMD5Key, birdSHAKey, len(birdSHAKey), frrNet, bdNet, frrConf, birdConf)
	if err := os.WriteFile(filepath.Join(gdir, "README.md"), []byte(readme), 0o644); err != nil {
		t.Fatal(err)
	}
}
