// Package bfdconf is the BFD part of the daemons' YAML configurations and
// of their `show bfd`: a top-level `bfd:` block of session defaults,
// an interface's `bfd: true` or `bfd: {…}` overriding them, and the
// table and JSON of the sessions.
//
// In YAML:
//
//	bfd:                        # defaults of every interface's sessions
//	  min_tx: 50ms              # bfd.DesiredMinTxInterval (300ms)
//	  min_rx: 50ms              # bfd.RequiredMinRxInterval (300ms)
//	  multiplier: 3             # bfd.DetectMult (3)
//	  passive: false            # RFC 5880 §6.1 passive role
//	  auth: {type: keyed-sha1, key_id: 1, key: "secret"}
//	interfaces:
//	  - name: eth0
//	    bfd: true               # sessions to this interface's neighbours
//	  - name: eth1
//	    bfd: {min_tx: 100ms}    # on, with min_tx overridden
//
// The values are kept as YAML nodes while the daemon's file is decoded
// (Defaults and Interface implement yaml.Unmarshaler) and checked when
// Parse is called with their key path, so that every error reads
// "FILE:LINE: interfaces[1].bfd.multiplier: reason".
package bfdconf

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/switchless/routing/bfd"
	"github.com/switchless/routing/bfd/packet"
	daemonkit "github.com/switchless/routing/internal/daemon"
)

// Session is the parameters of the sessions on one interface; zero
// fields take package bfd's defaults (300 ms × 3, no authentication).
type Session struct {
	MinTx, MinRx time.Duration
	Multiplier   int
	Passive      bool
	Auth         *bfd.Auth
}

// InterfaceConfig returns the bfd.InterfaceConfig of the interface name
// (of kernel index ifindex, 0 for bfd.Listen to look it up) with s.
func (s Session) InterfaceConfig(name string, ifindex int) bfd.InterfaceConfig {
	ic := bfd.InterfaceConfig{Name: name, IfIndex: ifindex, MinTx: s.MinTx, MinRx: s.MinRx, DetectMult: s.Multiplier, Passive: s.Passive}
	if s.Auth != nil {
		a := *s.Auth
		a.Key = slices.Clone(a.Key)
		ic.Auth = &a
	}
	return ic
}

// Defaults is the top-level `bfd:` block: the parameters every
// interface's sessions start from.
type Defaults struct{ node *yaml.Node }

// UnmarshalYAML keeps the node for Parse.
func (d *Defaults) UnmarshalYAML(n *yaml.Node) error {
	d.node = n
	return nil
}

// Parse checks the block, found at the YAML key path key of the file
// named file, and returns its parameters (all zero when it is absent).
func (d Defaults) Parse(file string, key []any) (Session, error) {
	if d.node == nil || isNull(d.node) {
		return Session{}, nil
	}
	return parseMapping(file, key, d.node, Session{})
}

// Interface is an interface's `bfd:`: true, false, or a mapping of
// parameters overriding the defaults (which turns BFD on).
type Interface struct{ node *yaml.Node }

// UnmarshalYAML keeps the node for Parse.
func (x *Interface) UnmarshalYAML(n *yaml.Node) error {
	x.node = n
	return nil
}

// Parse checks the interface's `bfd:`, found at the YAML key path key of
// the file named file, and returns whether BFD runs on the interface and
// with which parameters: def overridden by the interface's own.
func (x Interface) Parse(file string, key []any, def Session) (on bool, s Session, err error) {
	n := x.node
	if n == nil || isNull(n) {
		return false, Session{}, nil
	}
	switch n.Kind {
	case yaml.ScalarNode:
		var b bool
		if n.Tag != "!!bool" || n.Decode(&b) != nil {
			return false, Session{}, errAt(file, n, key, "%q is not true, false or a mapping of min_tx, min_rx, multiplier, passive, auth", n.Value)
		}
		if !b {
			return false, Session{}, nil
		}
		return true, def, nil
	case yaml.MappingNode:
		s, err := parseMapping(file, key, n, def)
		return err == nil, s, err
	}
	return false, Session{}, errAt(file, n, key, "want true, false or a mapping of min_tx, min_rx, multiplier, passive, auth")
}

func isNull(n *yaml.Node) bool { return n.Kind == yaml.ScalarNode && n.Tag == "!!null" }

// errAt is "file:LINE: key: reason" at n's line.
func errAt(file string, n *yaml.Node, key []any, format string, args ...any) error {
	return fmt.Errorf("%s:%d: %s: %s", file, n.Line, daemonkit.PathString(key), fmt.Sprintf(format, args...))
}

func sub(key []any, k ...any) []any { return append(slices.Clone(key), k...) }

var sessionKeys = []string{"min_tx", "min_rx", "multiplier", "passive", "auth"}

// parseMapping reads a mapping of session parameters over s.
func parseMapping(file string, key []any, n *yaml.Node, s Session) (Session, error) {
	if n.Kind != yaml.MappingNode {
		return s, errAt(file, n, key, "want a mapping of %s", strings.Join(sessionKeys, ", "))
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		kp := sub(key, k.Value)
		if seen[k.Value] {
			return s, errAt(file, k, kp, "given twice")
		}
		seen[k.Value] = true
		var err error
		switch k.Value {
		case "min_tx":
			s.MinTx, err = interval(file, kp, v)
		case "min_rx":
			s.MinRx, err = interval(file, kp, v)
		case "multiplier":
			s.Multiplier, err = multiplier(file, kp, v)
		case "passive":
			if v.Kind != yaml.ScalarNode || v.Tag != "!!bool" || v.Decode(&s.Passive) != nil {
				err = errAt(file, v, kp, "%q is not true or false", v.Value)
			}
		case "auth":
			s.Auth, err = auth(file, kp, v)
		default:
			err = errAt(file, k, kp, "unknown key (want %s)", strings.Join(sessionKeys, ", "))
		}
		if err != nil {
			return s, err
		}
	}
	return s, nil
}

// interval reads a min_tx or min_rx: a duration with its unit, 10 ms to
// a minute, in whole microseconds (RFC 5880 §4.1 carries microseconds).
func interval(file string, key []any, v *yaml.Node) (time.Duration, error) {
	if v.Kind != yaml.ScalarNode {
		return 0, errAt(file, v, key, "want a duration like 50ms")
	}
	d, err := time.ParseDuration(v.Value)
	if err != nil {
		if _, nerr := strconv.ParseFloat(v.Value, 64); nerr == nil {
			return 0, errAt(file, v, key, "%q has no unit: write it like 50ms", v.Value)
		}
		return 0, errAt(file, v, key, "%q is not a duration like 50ms", v.Value)
	}
	switch {
	case d < bfd.MinInterval:
		return 0, errAt(file, v, key, "%v is below the %v minimum: a software BFD cannot keep a shorter interval", d, bfd.MinInterval)
	case d > bfd.MaxInterval:
		return 0, errAt(file, v, key, "%v is above the %v maximum", d, bfd.MaxInterval)
	case d%time.Microsecond != 0:
		return 0, errAt(file, v, key, "%v is not a whole number of microseconds (RFC 5880 §4.1)", d)
	}
	return d, nil
}

// multiplier reads a Detect Mult: 1 to 255, given (0 is not "default"
// once written down).
func multiplier(file string, key []any, v *yaml.Node) (int, error) {
	var m int
	if v.Kind != yaml.ScalarNode || v.Tag != "!!int" || v.Decode(&m) != nil {
		return 0, errAt(file, v, key, "%q is not a whole number of packets (1 to %d)", v.Value, bfd.MaxDetectMult)
	}
	if m < 1 || m > bfd.MaxDetectMult {
		return 0, errAt(file, v, key, "%d is outside 1 to %d (leave it out for the default, %d)", m, bfd.MaxDetectMult, bfd.DefaultDetectMult)
	}
	return m, nil
}

var authKeys = []string{"type", "key_id", "key"}

// authTypes are the auth types by their YAML name, in the order they are
// listed in errors.
var authTypes = []packet.AuthType{packet.AuthSimplePassword, packet.AuthKeyedMD5, packet.AuthMeticulousKeyedMD5, packet.AuthKeyedSHA1, packet.AuthMeticulousKeyedSHA1}

// auth reads an auth mapping (RFC 5880 §6.7); key_id defaults to 1. Type
// none gives nil (to turn off the defaults' authentication on one
// interface).
func auth(file string, key []any, v *yaml.Node) (*bfd.Auth, error) {
	if v.Kind != yaml.MappingNode {
		return nil, errAt(file, v, key, "want a mapping of %s", strings.Join(authKeys, ", "))
	}
	var names []string
	for _, t := range authTypes {
		names = append(names, t.String())
	}
	var (
		a                bfd.Auth
		typ, id, keyNode *yaml.Node
	)
	for i := 0; i+1 < len(v.Content); i += 2 {
		k, val := v.Content[i], v.Content[i+1]
		kp := sub(key, k.Value)
		switch k.Value {
		case "type":
			typ = val
		case "key_id":
			id = val
		case "key":
			keyNode = val
		default:
			return nil, errAt(file, k, kp, "unknown key (want %s)", strings.Join(authKeys, ", "))
		}
		if val.Kind != yaml.ScalarNode {
			return nil, errAt(file, val, kp, "want a single value")
		}
	}
	if typ == nil {
		return nil, errAt(file, v, sub(key, "type"), "required: none or one of %s", strings.Join(names, ", "))
	}
	if typ.Value == "none" {
		if id != nil || keyNode != nil {
			return nil, errAt(file, typ, sub(key, "type"), "none takes no key_id or key")
		}
		return nil, nil
	}
	t, err := packet.ParseAuthType(typ.Value)
	if err != nil || t == packet.AuthNone {
		return nil, errAt(file, typ, sub(key, "type"), "%q is not none or one of %s", typ.Value, strings.Join(names, ", "))
	}
	a.Type = t
	if id != nil {
		n, err := strconv.ParseUint(id.Value, 0, 8)
		if err != nil || id.Tag != "!!int" {
			return nil, errAt(file, id, sub(key, "key_id"), "%q is not 0 to 255", id.Value)
		}
		a.KeyID = uint8(n)
	} else {
		a.KeyID = 1
	}
	if keyNode == nil {
		return nil, errAt(file, v, sub(key, "key"), "required with type %s", t)
	}
	a.Key = []byte(keyNode.Value)
	max, what := packet.SHA1KeyLen, "a SHA1 key (RFC 5880 §4.4)"
	switch t {
	case packet.AuthSimplePassword:
		max, what = packet.MaxPasswordLen, "a simple password (RFC 5880 §4.2)"
	case packet.AuthKeyedMD5, packet.AuthMeticulousKeyedMD5:
		max, what = packet.MD5KeyLen, "an MD5 key (RFC 5880 §4.3)"
	}
	if len(a.Key) < 1 || len(a.Key) > max {
		return nil, errAt(file, keyNode, sub(key, "key"), "%s is 1 to %d bytes, got %d", what, max, len(a.Key))
	}
	return &a, nil
}
