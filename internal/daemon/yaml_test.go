package daemon_test

import (
	"errors"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

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
	Interfaces []struct {
		Name     string        `yaml:"name"`
		Cost     uint16        `yaml:"cost"`
		Priority uint8         `yaml:"priority"`
		Hello    time.Duration `yaml:"hello_interval"`
		Passive  bool          `yaml:"passive"`
	} `yaml:"interfaces"`
	Common `yaml:",inline"`
}

type Common struct {
	MaxPaths int `yaml:"max_paths"`
}

// TestDecodeYAMLStrict: every decoding error reads in the file's terms,
// each at its line, never with Go types or YAML tags.
func TestDecodeYAMLStrict(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"unknown key", "name: a\ncount: 1\ncolour: red\n",
			`r.yaml:3: unknown key "colour" in the top level`},
		{"unknown key, suggestion", "name: a\nmax_path: 2\n",
			`r.yaml:2: unknown key "max_path" in the top level; did you mean "max_paths"?`},
		{"unknown key in a list item", "interfaces:\n  - name: eth0\n    cots: 10\n",
			`r.yaml:3: unknown key "cots" in interfaces[0]; did you mean "cost"?`},
		{"unknown key, nothing close", "interfaces:\n  - name: eth0\n  - name: eth1\n    bandwidth: 10\n",
			`r.yaml:4: unknown key "bandwidth" in interfaces[1]`},
		{"not a number", "name: a\ncount: many\n",
			`r.yaml:2: count: "many" is not a number`},
		{"nested not a number", "interfaces:\n  - name: eth0\n    cost: ten\n",
			`r.yaml:3: interfaces[0].cost: "ten" is not a number`},
		{"out of range", "interfaces:\n  - priority: 300\n",
			`r.yaml:2: interfaces[0].priority: 300 is not a number from 0 to 255`},
		{"negative unsigned", "interfaces:\n  - cost: -1\n",
			`r.yaml:2: interfaces[0].cost: -1 is not a number from 0 to 65535`},
		{"duration without a unit", "interfaces:\n  - hello_interval: 10\n",
			`r.yaml:2: interfaces[0].hello_interval: 10 is not a duration: give the unit, such as 10s or 10ms`},
		{"bad duration", "interfaces:\n  - hello_interval: soon\n",
			`r.yaml:2: interfaces[0].hello_interval: "soon" is not a duration such as 10s or 100ms`},
		{"not a bool", "interfaces:\n  - passive: yes please\n",
			`r.yaml:2: interfaces[0].passive: "yes please" is not true or false`},
		{"list for a string", "name: [a, b]\n",
			`r.yaml:1: name: a list is not a string`},
		{"scalar for a list", "interfaces: eth0\n",
			`r.yaml:1: interfaces: "eth0" is not a list`},
		{"two type errors", "count: many\nroutes: 7\n",
			"r.yaml:1: count: \"many\" is not a number\nr.yaml:2: routes: 7 is not a list"},
		{"long value", "count: manymanymany\n",
			`r.yaml:1: count: "manymanymany" is not a number`},
		{"text unmarshaler", "name: a\nroutes:\n  - prefix: 10.0.0.0/8\n    via: 10.1.2.300\n",
			`r.yaml:4: routes[0].via: "10.1.2.300" is not an IP address (IPv4 field has value >255)`},
		{"prefix", "routes:\n  - prefix: 10.0.0.0/33\n",
			`r.yaml:2: routes[0].prefix: "10.0.0.0/33" is not an address with a prefix length such as 10.0.0.0/24 (prefix length out of range)`},
		{"duplicate key", "name: a\ncount: 1\nname: b\n",
			`r.yaml:3: key "name" is given twice in the top level (first at line 1)`},
		{"syntax", "name: a\n  count: 1\n",
			"r.yaml:2: mapping values are not allowed in this context"},
		{"empty", "", "r.yaml: the file is empty"},
		{"only comments", "# nothing yet\n\n", "r.yaml: the file is empty"},
		{"null", "~\n", "r.yaml: the file is empty"},
		{"a list", "- name: a\n", "r.yaml:1: the top level is a list; it must be a mapping of keys (key: value)"},
		{"a scalar", "hello\n", `r.yaml:1: the top level is "hello"; it must be a mapping of keys (key: value)`},
		{"two documents", "name: a\n---\nname: b\n", "r.yaml:2: a second YAML document (after ---): the configuration is one document"},
	}
	goTerms := regexp.MustCompile(`!!|uint|int\b|struct|daemon_test|netip|time\.|ParseAddr|field \S+ not found`)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var c conf
			err := daemon.DecodeYAMLStrict("r.yaml", []byte(tc.in), &c)
			if err == nil || err.Error() != tc.want {
				t.Fatalf("err = %v\nwant    %s", err, tc.want)
			}
			if m := goTerms.FindString(err.Error()); m != "" && !strings.Contains(tc.in, m) {
				t.Errorf("%q speaks Go: %q", err, m)
			}
			if len(daemon.YAMLErrors(err)) != strings.Count(tc.want, "\n")+1 {
				t.Errorf("YAMLErrors(%v) = %v", err, daemon.YAMLErrors(err))
			}
		})
	}
}

func TestDecodeYAMLStrictWrapsUnmarshalerError(t *testing.T) {
	var c conf
	err := daemon.DecodeYAMLStrict("r.yaml", []byte("addr: nope\n"), &c)
	if err == nil || err.Error() != `r.yaml:1: addr: "nope" is not an IP address (unable to parse IP)` {
		t.Fatalf("err = %v", err)
	}
	if errors.Unwrap(err) == nil {
		t.Errorf("%v does not wrap the unmarshaler's error", err)
	}
	ye := daemon.YAMLErrors(err)
	if len(ye) != 1 || ye[0].Line != 1 || ye[0].Key != "addr" {
		t.Errorf("YAMLErrors = %+v", ye)
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
