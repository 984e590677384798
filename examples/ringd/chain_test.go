package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCheckChain: `ringd check` of a chain node says so, and -listen on
// the chain's edge is refused: it runs no VRRP.
func TestCheckChain(t *testing.T) {
	path := filepath.Join(t.TempDir(), "chain.yaml")
	if err := os.WriteFile(path, []byte(`topology: chain
node: c1
interfaces: {east: e1, up: u1, lan0: l1}
link_pool: 10.255.0.0/24
upstream: {prefix: 192.0.2.0/24, gateway: 192.0.2.1}
nodes:
  - {name: c1, lans: [10.1.0.1/24]}
  - {name: c2, lans: [10.2.0.1/24]}
`), 0o644); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	if rc := realMain([]string{"check", "-config", path}, &out, &errb); rc != 0 {
		t.Fatalf("rc %d: %s", rc, errb.String())
	}
	if want := path + ": OK: node c1 (master edge) of a 2-node chain, static routes only\n" + path + ": simulate this chain's failures before cabling it: ringsim -config " + path + "\n"; out.String() != want {
		t.Errorf("got %q, want %q", out.String(), want)
	}
	out.Reset()
	errb.Reset()
	if rc := realMain([]string{"check", "-listen", "1s", "-config", path}, &out, &errb); rc != 2 || !strings.Contains(errb.String(), "runs no VRRP") {
		t.Errorf("check -listen: rc %d: %s", rc, errb.String())
	}
}
