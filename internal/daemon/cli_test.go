package daemon_test

import (
	"bytes"
	"testing"

	"github.com/switchless/routing/internal/daemon"
)

func TestCLIParse(t *testing.T) {
	cli := daemon.CLI{Name: "testd", Status: "show", Views: []string{"routes", "stats"}, Config: "/etc/testd.yaml", Socket: "/run/testd.sock", NoArgs: true}
	for _, tc := range []struct {
		args    []string
		want    daemon.Command
		ok      bool
		wantErr string
	}{
		{nil, daemon.Command{Name: "run", Config: "/etc/testd.yaml"}, true, ""},
		{[]string{"-config", "x.yaml", "-socket", "s"}, daemon.Command{Name: "run", Config: "x.yaml", Socket: "s"}, true, ""},
		{[]string{"check"}, daemon.Command{Name: "check", Config: "/etc/testd.yaml"}, true, ""},
		{[]string{"show", "stats", "-json"}, daemon.Command{Name: "show", View: "stats", Config: "/etc/testd.yaml", JSON: true}, true, ""},
		{[]string{"show"}, daemon.Command{}, false, "usage: testd show routes|stats [-json] [-socket PATH]\n"},
		{[]string{"show", "spf"}, daemon.Command{}, false, "usage: testd show routes|stats [-json] [-socket PATH]\n"},
		{[]string{"check", "extra"}, daemon.Command{}, false, "testd check: unexpected argument \"extra\"\n"},
		{[]string{"status"}, daemon.Command{}, false, "testd run: unexpected argument \"status\"\n"},
	} {
		var errb bytes.Buffer
		got, ok := cli.Parse(tc.args, &errb)
		if ok != tc.ok || (ok && got != tc.want) || errb.String() != tc.wantErr {
			t.Errorf("Parse(%q) = %+v, %v, stderr %q", tc.args, got, ok, errb.String())
		}
	}
	var errb bytes.Buffer
	if _, ok := cli.Parse([]string{"run", "-bogus"}, &errb); ok || !bytes.Contains(errb.Bytes(), []byte("Usage of testd run:")) {
		t.Errorf("bad flag: ok %v, stderr %q", ok, errb.String())
	}
	cli.NoArgs = false
	if _, ok := cli.Parse([]string{"check", "extra"}, &errb); !ok {
		t.Error("NoArgs false rejected an argument")
	}
}
