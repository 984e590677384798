package bfdconf

import (
	"bytes"
	"encoding/json"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/switchless/routing/bfd"
	"github.com/switchless/routing/bfd/packet"
	daemonkit "github.com/switchless/routing/internal/daemon"
)

// file is how a daemon embeds the types.
type file struct {
	BFD        Defaults `yaml:"bfd"`
	Interfaces []struct {
		Name string    `yaml:"name"`
		BFD  Interface `yaml:"bfd"`
	} `yaml:"interfaces"`
}

type parsed struct {
	def Session
	on  []bool
	ss  []Session
}

func parse(t *testing.T, in string) (parsed, error) {
	t.Helper()
	var f file
	if err := daemonkit.DecodeYAMLStrict("d.yaml", []byte(in), &f); err != nil {
		t.Fatalf("decode: %v", err)
	}
	var p parsed
	var err error
	if p.def, err = f.BFD.Parse("d.yaml", []any{"bfd"}); err != nil {
		return p, err
	}
	for i, ic := range f.Interfaces {
		on, s, err := ic.BFD.Parse("d.yaml", []any{"interfaces", i, "bfd"}, p.def)
		if err != nil {
			return p, err
		}
		p.on, p.ss = append(p.on, on), append(p.ss, s)
	}
	return p, nil
}

func TestParse(t *testing.T) {
	p, err := parse(t, `bfd:
  min_tx: 50ms
  min_rx: 60ms
  multiplier: 4
  auth: {type: keyed-sha1, key_id: 7, key: "ring secret"}
interfaces:
  - name: a
    bfd: true
  - name: b
    bfd: {min_tx: 100ms, passive: true, auth: {type: none}}
  - name: c
    bfd: false
  - name: d
  - name: e
    bfd:
      multiplier: 5
      auth: {type: simple, key: pw}
`)
	if err != nil {
		t.Fatal(err)
	}
	sha := &bfd.Auth{Type: packet.AuthKeyedSHA1, KeyID: 7, Key: []byte("ring secret")}
	want := parsed{
		def: Session{MinTx: 50 * time.Millisecond, MinRx: 60 * time.Millisecond, Multiplier: 4, Auth: sha},
		on:  []bool{true, true, false, false, true},
	}
	if got := p.def; got.MinTx != want.def.MinTx || got.MinRx != want.def.MinRx || got.Multiplier != 4 ||
		got.Auth == nil || got.Auth.Type != sha.Type || got.Auth.KeyID != 7 || string(got.Auth.Key) != "ring secret" {
		t.Errorf("defaults = %+v, want %+v", got, want.def)
	}
	for i, on := range want.on {
		if p.on[i] != on {
			t.Errorf("interface %d on = %v, want %v", i, p.on[i], on)
		}
	}
	if s := p.ss[0]; s.MinTx != 50*time.Millisecond || s.Multiplier != 4 || s.Auth == nil {
		t.Errorf("a = %+v, want the defaults", s)
	}
	if s := p.ss[1]; s.MinTx != 100*time.Millisecond || s.MinRx != 60*time.Millisecond || !s.Passive || s.Auth != nil {
		t.Errorf("b = %+v, want min_tx 100ms over the defaults, passive, no auth", s)
	}
	if s := p.ss[4]; s.Multiplier != 5 || s.Auth == nil || s.Auth.Type != packet.AuthSimplePassword || s.Auth.KeyID != 1 || string(s.Auth.Key) != "pw" {
		t.Errorf("e = %+v (auth %+v), want multiplier 5, simple auth key_id 1", s, s.Auth)
	}
	ic := p.ss[0].InterfaceConfig("a", 3)
	if ic.Name != "a" || ic.IfIndex != 3 || ic.MinTx != 50*time.Millisecond || ic.MinRx != 60*time.Millisecond || ic.DetectMult != 4 || ic.Auth == nil {
		t.Errorf("InterfaceConfig = %+v", ic)
	}
	if err := (bfd.Config{Interfaces: []bfd.InterfaceConfig{ic}}).Validate(); err != nil {
		t.Errorf("bfd rejects what bfdconf accepted: %v", err)
	}
	ic.Auth.Key[0] = 'X'
	if p.ss[0].Auth.Key[0] != 'r' {
		t.Error("InterfaceConfig shares the key with the Session")
	}
}

func TestParseNoBFD(t *testing.T) {
	p, err := parse(t, "interfaces:\n  - name: a\n")
	if err != nil || p.on[0] || p.def != (Session{}) {
		t.Errorf("no bfd: %+v, %v", p, err)
	}
}

// TestParseErrors: every mistake is "FILE:LINE: KEY PATH: reason".
func TestParseErrors(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"unknown default key", "bfd:\n  min_tx: 50ms\n  interval: 1s\n",
			"d.yaml:3: bfd.interval: unknown key (want min_tx, min_rx, multiplier, passive, auth)"},
		{"unknown interface key", "interfaces:\n  - name: a\n    bfd:\n      min_txx: 50ms\n",
			"d.yaml:4: interfaces[0].bfd.min_txx: unknown key"},
		{"explicit multiplier 0", "bfd:\n  multiplier: 0\n",
			"d.yaml:2: bfd.multiplier: 0 is outside 1 to 255 (leave it out for the default, 3)"},
		{"multiplier 256", "interfaces:\n  - name: a\n  - name: b\n    bfd: {multiplier: 256}\n",
			"d.yaml:4: interfaces[1].bfd.multiplier: 256 is outside 1 to 255"},
		{"multiplier not a number", "bfd: {multiplier: three}\n",
			`d.yaml:1: bfd.multiplier: "three" is not a whole number`},
		{"interval below 10ms", "bfd:\n  min_rx: 5ms\n",
			"d.yaml:2: bfd.min_rx: 5ms is below the 10ms minimum"},
		{"interval above a minute", "interfaces:\n  - name: a\n    bfd: {min_tx: 2m}\n",
			"d.yaml:3: interfaces[0].bfd.min_tx: 2m0s is above the 1m0s maximum"},
		{"interval without unit", "bfd:\n  min_tx: 50\n",
			`d.yaml:2: bfd.min_tx: "50" has no unit: write it like 50ms`},
		{"interval not a duration", "bfd:\n  min_tx: fast\n",
			`d.yaml:2: bfd.min_tx: "fast" is not a duration like 50ms`},
		{"interval sub-microsecond", "bfd:\n  min_tx: 10000500ns\n",
			"d.yaml:2: bfd.min_tx: 10.0005ms is not a whole number of microseconds"},
		{"bad auth type", "bfd:\n  auth:\n    type: sha256\n    key: x\n",
			`d.yaml:3: bfd.auth.type: "sha256" is not none or one of simple, keyed-md5, meticulous-keyed-md5, keyed-sha1, meticulous-keyed-sha1`},
		{"auth type missing", "bfd:\n  auth: {key: x}\n",
			"d.yaml:2: bfd.auth.type: required"},
		{"auth key missing", "interfaces:\n  - name: a\n    bfd:\n      auth: {type: keyed-md5}\n",
			"d.yaml:4: interfaces[0].bfd.auth.key: required with type keyed-md5"},
		{"sha1 key too long", "bfd:\n  auth:\n    type: keyed-sha1\n    key: \"123456789012345678901\"\n",
			"d.yaml:4: bfd.auth.key: a SHA1 key (RFC 5880 §4.4) is 1 to 20 bytes, got 21"},
		{"md5 key too long", "bfd:\n  auth: {type: meticulous-keyed-md5, key: \"12345678901234567\"}\n",
			"d.yaml:2: bfd.auth.key: an MD5 key (RFC 5880 §4.3) is 1 to 16 bytes, got 17"},
		{"password empty", "bfd:\n  auth: {type: simple, key: \"\"}\n",
			"d.yaml:2: bfd.auth.key: a simple password (RFC 5880 §4.2) is 1 to 16 bytes, got 0"},
		{"key_id out of range", "bfd:\n  auth: {type: keyed-sha1, key_id: 256, key: k}\n",
			`d.yaml:2: bfd.auth.key_id: "256" is not 0 to 255`},
		{"unknown auth key", "bfd:\n  auth:\n    type: keyed-sha1\n    secret: k\n",
			"d.yaml:4: bfd.auth.secret: unknown key (want type, key_id, key)"},
		{"none with a key", "bfd:\n  auth: {type: none, key: k}\n",
			"d.yaml:2: bfd.auth.type: none takes no key_id or key"},
		{"interface bfd not a bool", "interfaces:\n  - name: a\n    bfd: yes please\n",
			`d.yaml:3: interfaces[0].bfd: "yes please" is not true, false or a mapping`},
		{"interface bfd a list", "interfaces:\n  - name: a\n    bfd: [1]\n",
			"d.yaml:3: interfaces[0].bfd: want true, false or a mapping"},
		{"defaults not a mapping", "bfd: true\n",
			"d.yaml:1: bfd: want a mapping of min_tx"},
		{"passive not a bool", "bfd: {passive: maybe}\n",
			`d.yaml:1: bfd.passive: "maybe" is not true or false`},
		{"key twice", "bfd:\n  min_tx: 50ms\n  min_tx: 60ms\n",
			"d.yaml:3: bfd.min_tx: given twice"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var f file
			err := daemonkit.DecodeYAMLStrict("d.yaml", []byte(tc.in), &f)
			if err == nil {
				_, err = parse(t, tc.in)
			}
			if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
				t.Errorf("error = %v\nwant prefix %s", err, tc.want)
			}
		})
	}
}

func TestShowTableAndJSON(t *testing.T) {
	since := time.Date(2026, 12, 3, 6, 0, 0, 0, time.UTC)
	info := []bfd.SessionInfo{{
		Interface: "eth0", Peer: netip.MustParseAddr("10.0.0.2"), Clients: 1,
		State: packet.StateUp, RemoteState: packet.StateUp, LocalDisc: 11, RemoteDisc: 22,
		LastDownDiag: packet.DiagControlDetectExpired,
		DesiredMinTx: 50 * time.Millisecond, RequiredMinRx: 50 * time.Millisecond, DetectMult: 3,
		RemoteDesiredMinTx: 100 * time.Millisecond, RemoteMinRx: 40 * time.Millisecond, RemoteDetectMult: 4,
		TxInterval: 50 * time.Millisecond, DetectTime: 400 * time.Millisecond, Auth: packet.AuthKeyedSHA1,
		Since: since, Counters: bfd.SessionCounters{Sent: 100, Received: 90, Ups: 2, Downs: 1},
	}}
	vs := Views(info)
	var b bytes.Buffer
	if err := writeTable(&b, vs, since.Add(90*time.Second)); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("table:\n%s", b.String())
	}
	for _, want := range []string{"10.0.0.2", "eth0", "up 1m30s", "11/22", "50ms", "400ms", "100ms/40ms×4",
		"control-detection-time-expired", "2/1", "90/100", "keyed-sha1"} {
		if !strings.Contains(lines[1], want) {
			t.Errorf("table row lacks %q:\n%s", want, b.String())
		}
	}

	// The JSON round-trips: `show bfd` decodes what the daemon encoded.
	raw, err := json.Marshal(vs)
	if err != nil {
		t.Fatal(err)
	}
	if p := daemonkit.LintJSON(raw); p != nil {
		t.Errorf("JSON convention: %q", p)
	}
	for _, want := range []string{`"state":"up"`, `"tx_interval":"50ms"`, `"detect_time":"400ms"`, `"remote_multiplier":4`,
		`"last_down_diag":"control-detection-time-expired"`, `"auth":"keyed-sha1"`, `"packets_in":90`} {
		if !strings.Contains(string(raw), want) {
			t.Errorf("JSON lacks %s: %s", want, raw)
		}
	}
	var back []SessionView
	if err := json.Unmarshal(raw, &back); err != nil || len(back) != 1 || back[0] != vs[0] {
		t.Errorf("round trip: %v\n%+v\n%+v", err, back, vs)
	}
	b.Reset()
	if err := Show(&b, raw, false); err != nil || !strings.Contains(b.String(), "100ms/40ms×4") {
		t.Errorf("Show table: %v\n%s", err, b.String())
	}
	b.Reset()
	if err := Show(&b, raw, true); err != nil || !strings.Contains(b.String(), `"tx_interval": "50ms"`) {
		t.Errorf("Show -json: %v\n%s", err, b.String())
	}
	b.Reset()
	if err := WriteTable(&b, Answer(nil)); err != nil || b.String() != "no BFD sessions\n" {
		t.Errorf("no sessions: %v %q", err, b.String())
	}
}
