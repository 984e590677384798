package packaging

import (
	"bufio"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/switchless/routing/fib"
)

// TestRTProtos_MatchFib: the iproute2 names cover exactly fib's RTProto*
// numbers, so `ip route` never shows a bare number for our routes nor a
// name for a number we moved.
func TestRTProtos_MatchFib(t *testing.T) {
	want := map[int]string{
		fib.RTProtoUnspec: "switchless", fib.RTProtoConnected: "switchless-connected",
		fib.RTProtoStatic: "switchless-static", fib.RTProtoOSPF: "switchless-ospf",
		fib.RTProtoRIP: "switchless-rip", fib.RTProtoAnycast: "switchless-anycast",
	}
	for p := fib.Protocol(0); p < 16; p++ {
		if n := fib.DefaultRTProtocol(p); n != 0 {
			if _, ok := want[int(n)]; !ok {
				t.Errorf("fib.DefaultRTProtocol(%v) = %d has no name here", p, n)
			}
		}
	}
	f, err := os.Open("iproute2/rt_protos.d/switchless.conf")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	got := map[int]string{}
	names := map[string]bool{}
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		fs := strings.Fields(line)
		num, err := strconv.Atoi(fs[0])
		if len(fs) != 2 || err != nil || num < 1 || num > 255 {
			t.Fatalf("line %d: %q is not NUMBER NAME", n, line)
		}
		if _, dup := got[num]; dup || names[fs[1]] {
			t.Errorf("line %d: %q repeats a number or a name", n, line)
		}
		got[num], names[fs[1]] = fs[1], true
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	for num, name := range want {
		if got[num] != name {
			t.Errorf("%d is %q in the file, want %q", num, got[num], name)
		}
	}
	for num, name := range got {
		if _, ok := want[num]; !ok {
			t.Errorf("%d %s is no fib.RTProto constant", num, name)
		}
	}
}
