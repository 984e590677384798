package daemon_test

import (
	"errors"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/switchless/routing/internal/daemon"
)

type conf struct {
	Name   string     `yaml:"name"`
	Count  int        `yaml:"count"`
	Addr   netip.Addr `yaml:"addr"`
	Routes []struct {
		Prefix netip.Prefix `yaml:"prefix"`
		Via    netip.Addr   `yaml:"via"`
	} `yaml:"routes"`
}

func TestDecodeYAMLStrict(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"unknown field", "name: a\ncount: 1\ncolour: red\n",
			"r.yaml:3: field colour not found in type daemon_test.conf"},
		{"type error", "name: a\ncount: many\n",
			"r.yaml:2: cannot unmarshal !!str `many` into int"},
		{"two type errors", "count: many\nroutes: 7\n",
			"r.yaml:1: cannot unmarshal !!str `many` into int\nr.yaml:2: cannot unmarshal !!int `7` into []struct"},
		{"text unmarshaler", "name: a\nroutes:\n  - prefix: 10.0.0.0/8\n    via: 10.1.2.300\n",
			`r.yaml:4: ParseAddr("10.1.2.300")`},
		{"syntax", "name: a\n  count: 1\n",
			"r.yaml:2: mapping values are not allowed in this context"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var c conf
			err := daemon.DecodeYAMLStrict("r.yaml", []byte(tc.in), &c)
			if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
				t.Fatalf("err = %v, want prefix %q", err, tc.want)
			}
		})
	}
}

func TestDecodeYAMLStrictWrapsUnmarshalerError(t *testing.T) {
	var c conf
	err := daemon.DecodeYAMLStrict("r.yaml", []byte("addr: nope\n"), &c)
	if err == nil || !strings.HasPrefix(err.Error(), `r.yaml:1: ParseAddr("nope")`) {
		t.Fatalf("err = %v", err)
	}
	if errors.Unwrap(err) == nil {
		t.Errorf("%v does not wrap the unmarshaler's error", err)
	}
}

func TestDecodeYAMLStrictOK(t *testing.T) {
	var c conf
	in := "name: a\ncount: 3\naddr: 192.0.2.1\nroutes:\n  - prefix: 10.0.0.0/8\n    via: 192.0.2.9\n"
	if err := daemon.DecodeYAMLStrict("r.yaml", []byte(in), &c); err != nil {
		t.Fatal(err)
	}
	if c.Name != "a" || c.Count != 3 || c.Addr != netip.MustParseAddr("192.0.2.1") || len(c.Routes) != 1 ||
		c.Routes[0].Via != netip.MustParseAddr("192.0.2.9") {
		t.Errorf("decoded %+v", c)
	}
}

func TestLine(t *testing.T) {
	in := "name: a\nroutes:\n  - prefix: 10.0.0.0/8\n    via: 192.0.2.9\n  - prefix: 10.2.0.0/16\nfib:\n  table: 7\n"
	var root yaml.Node
	if err := yaml.Unmarshal([]byte(in), &root); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		path []any
		want int
	}{
		{nil, 1},
		{[]any{"name"}, 1},
		{[]any{"routes"}, 2},
		{[]any{"routes", 0}, 3},
		{[]any{"routes", 0, "via"}, 4},
		{[]any{"routes", 1, "prefix"}, 5},
		{[]any{"routes", 1, "missing"}, 5}, // nearest existing parent
		{[]any{"routes", 9, "via"}, 2},
		{[]any{"routes", -1}, 2},
		{[]any{"fib", "table"}, 7},
		{[]any{"nope", "x"}, 1},
	}
	for _, tc := range tests {
		if got := daemon.Line(&root, tc.path); got != tc.want {
			t.Errorf("Line(%v) = %d, want %d", tc.path, got, tc.want)
		}
	}
}

func TestPathString(t *testing.T) {
	if got := daemon.PathString([]any{"upstream", "edges", 1, "node"}); got != "upstream.edges[1].node" {
		t.Errorf("got %q", got)
	}
	if got := daemon.PathString([]any{"interfaces", 0}); got != "interfaces[0]" {
		t.Errorf("got %q", got)
	}
}

func TestQuotedLine(t *testing.T) {
	var root yaml.Node
	if err := yaml.Unmarshal([]byte("a: x\nb:\n  - y\n  - zz\n"), &root); err != nil {
		t.Fatal(err)
	}
	if got := daemon.QuotedLine(&root, `bad value "zz"`); got != 4 {
		t.Errorf("got %d, want 4", got)
	}
	if got := daemon.QuotedLine(&root, `bad value "z"`); got != 0 {
		t.Errorf("unquoted match: got %d, want 0", got)
	}
}

func TestParseYAMLAndErrAt(t *testing.T) {
	var c conf
	root, err := daemon.ParseYAML("r.yaml", []byte("name: a\nroutes:\n  - prefix: 10.0.0.0/8\n"), &c)
	if err != nil || c.Name != "a" {
		t.Fatalf("ParseYAML: %+v, %v", c, err)
	}
	if err := daemon.ErrAt("r.yaml", root, []any{"routes", 0, "via"}, "required (%s)", "an address"); err.Error() != "r.yaml:3: routes[0].via: required (an address)" {
		t.Errorf("ErrAt: %v", err)
	}
	// A decoding error keeps the tree, for naming keys; broken YAML has none.
	if root, err := daemon.ParseYAML("r.yaml", []byte("count: many\n"), &c); err == nil || root == nil {
		t.Errorf("type error: root %v, err %v", root, err)
	}
	if root, err := daemon.ParseYAML("r.yaml", []byte("name: a\n  count: 1\n"), &c); err == nil || root != nil {
		t.Errorf("syntax error: root %v, err %v", root, err)
	}
}

func TestLoadFile(t *testing.T) {
	parse := func(path string, b []byte) (string, error) { return path + "=" + string(b), nil }
	path := filepath.Join(t.TempDir(), "x.yaml")
	if err := os.WriteFile(path, []byte("k: v"), 0o600); err != nil {
		t.Fatal(err)
	}
	if got, err := daemon.LoadFile(path, parse); err != nil || got != path+"=k: v" {
		t.Errorf("got %q, %v", got, err)
	}
	if _, err := daemon.LoadFile(path+".missing", parse); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
}
