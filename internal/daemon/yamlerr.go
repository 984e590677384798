package daemon

import (
	"encoding"
	"errors"
	"fmt"
	"math"
	"net/netip"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// YAMLError is one problem of a YAML file, in the file's terms.
type YAMLError struct {
	File string
	// Line is the 1-based line of the offending key or value; 0 when no
	// line applies (an empty file).
	Line int
	// Key is the YAML path of the offending value (interfaces[0].cost);
	// empty when the problem is not one value's.
	Key    string
	Reason string
	// Err is the error of the value's own decoding (UnmarshalText), if
	// any.
	Err error
}

// Error is "file:LINE: key: reason", without the parts that are empty.
func (e *YAMLError) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		b.WriteString(":" + strconv.Itoa(e.Line))
	}
	b.WriteString(": ")
	if e.Key != "" {
		b.WriteString(e.Key + ": ")
	}
	b.WriteString(e.Reason)
	return b.String()
}

// Unwrap returns Err.
func (e *YAMLError) Unwrap() error { return e.Err }

// YAMLErrors returns the *YAMLErrors in err (DecodeYAMLStrict's joins
// them), in order.
func YAMLErrors(err error) []*YAMLError {
	var out []*YAMLError
	var walk func(error)
	walk = func(err error) {
		if ye, ok := err.(*YAMLError); ok {
			out = append(out, ye)
			return
		}
		if j, ok := err.(interface{ Unwrap() []error }); ok {
			for _, e := range j.Unwrap() {
				walk(e)
			}
		}
	}
	walk(err)
	return out
}

var (
	lineRE       = regexp.MustCompile(`^(?:yaml: )?line (\d+): `)
	notFoundRE   = regexp.MustCompile(`^field (\S+) not found in type `)
	alreadySetRE = regexp.MustCompile(`^field (\S+) already set in type `)
	definedRE    = regexp.MustCompile(`^mapping key "(.*)" already defined at line (\d+)$`)
	unmarshalRE  = regexp.MustCompile("^cannot unmarshal (!!\\w+)(?: `(.*)`)? into ")
)

func syntaxError(path string, err error) error {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	e := &YAMLError{File: path, Reason: msg}
	if m := lineRE.FindStringSubmatch(err.Error()); m != nil {
		e.Line, _ = strconv.Atoi(m[1])
		e.Reason = err.Error()[len(m[0]):]
	}
	return e
}

// translate turns yaml's decoding error into YAMLErrors, using the node
// tree top and the type decoded into, t.
func translate(path string, top *yaml.Node, t reflect.Type, err error) error {
	var te *yaml.TypeError
	if !errors.As(err, &te) {
		return valueError(path, top, t, err)
	}
	var errs []error
	for _, msg := range te.Errors {
		e := &YAMLError{File: path, Reason: msg}
		if m := lineRE.FindStringSubmatch(msg); m != nil {
			e.Line, _ = strconv.Atoi(m[1])
			e.Reason = msg[len(m[0]):]
		}
		describeTypeError(e, top, t)
		errs = append(errs, e)
	}
	return errors.Join(errs...)
}

// describeTypeError rewrites e.Reason, yaml's, in the file's terms.
func describeTypeError(e *YAMLError, top *yaml.Node, t reflect.Type) {
	text := e.Reason
	if m := notFoundRE.FindStringSubmatch(text); m != nil {
		p, _, ok := findKey(top, e.Line, m[1])
		if !ok {
			e.Reason = fmt.Sprintf("unknown key %q", m[1])
			return
		}
		e.Reason = fmt.Sprintf("unknown key %q in %s", m[1], where(p))
		if s := closest(m[1], structKeys(typeAt(t, p))); s != "" {
			e.Reason += fmt.Sprintf("; did you mean %q?", s)
		}
		return
	}
	if m := alreadySetRE.FindStringSubmatch(text); m != nil {
		p, _, _ := findKey(top, e.Line, m[1])
		e.Reason = fmt.Sprintf("key %q is given twice in %s", m[1], where(p))
		return
	}
	if m := definedRE.FindStringSubmatch(text); m != nil {
		p, _, _ := findKey(top, e.Line, m[1])
		e.Reason = fmt.Sprintf("key %q is given twice in %s (first at line %s)", m[1], where(p), m[2])
		return
	}
	if m := unmarshalRE.FindStringSubmatch(text); m != nil {
		p, n, ok := findValue(top, e.Line, func(n *yaml.Node) bool {
			if n.ShortTag() != m[1] {
				return false
			}
			short, trunc := strings.CutSuffix(m[2], "...")
			return n.Kind != yaml.ScalarNode || n.Value == m[2] || (trunc && strings.HasPrefix(n.Value, short))
		})
		if !ok {
			e.Reason = "wrong type of value"
			return
		}
		e.Key = PathString(p)
		e.Reason = mismatch(n, typeAt(t, p))
		return
	}
	// A custom UnmarshalYAML's own message: name the key on its line.
	if p, _, ok := findValue(top, e.Line, func(n *yaml.Node) bool {
		return n.Kind == yaml.ScalarNode && n.Value != "" && strings.Contains(text, n.Value)
	}); ok && len(p) > 0 {
		e.Key = PathString(p)
	} else if p, _, ok := findValue(top, e.Line, func(*yaml.Node) bool { return true }); ok && len(p) > 0 {
		e.Key = PathString(p)
	}
}

// valueError places the error of a value's UnmarshalText (which yaml
// returns without a line) at the first scalar whose value it quotes.
func valueError(path string, top *yaml.Node, t reflect.Type, err error) error {
	if lineRE.MatchString(err.Error()) {
		return syntaxError(path, err)
	}
	e := &YAMLError{File: path, Reason: err.Error(), Err: err}
	p, n, ok := findValue(top, -1, func(n *yaml.Node) bool {
		return n.Kind == yaml.ScalarNode && n.Value != "" && strings.Contains(err.Error(), `"`+n.Value+`"`)
	})
	if !ok {
		return e
	}
	e.Line, e.Key = n.Line, PathString(p)
	quoted := strconv.Quote(n.Value)
	reason := err.Error()
	// ParseAddr("x"): why → why; ospf: invalid configuration: why → why.
	if _, after, ok := strings.Cut(reason, "("+quoted+"): "); ok {
		reason = after
	}
	if i := strings.LastIndex(reason, "invalid configuration: "); i >= 0 {
		reason = reason[i+len("invalid configuration: "):]
	}
	if w := typeWords(typeAt(t, p)); w != "" && w != "a value" {
		reason = fmt.Sprintf("%s is not %s (%s)", quoted, w, reason)
	}
	e.Reason = reason
	return e
}

// mismatch says why the value n does not fit type t (nil: unknown).
func mismatch(n *yaml.Node, t reflect.Type) string {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	tag := n.ShortTag()
	if t != nil && n.Kind == yaml.ScalarNode {
		switch {
		case t == durationType && (tag == "!!int" || tag == "!!float"):
			return fmt.Sprintf("%s is not a duration: give the unit, such as %ss or %sms", n.Value, n.Value, n.Value)
		case isInt(t) && tag == "!!float":
			return fmt.Sprintf("%s is not a whole number", n.Value)
		case isInt(t) && tag == "!!int":
			lo, hi := intRange(t)
			return fmt.Sprintf("%s is not a number from %s to %s", n.Value, lo, hi)
		}
	}
	return fmt.Sprintf("%s is not %s", valueWords(n), typeWords(t))
}

func isInt(t reflect.Type) bool {
	return t != durationType && t.Kind() >= reflect.Int && t.Kind() <= reflect.Uintptr
}

func intRange(t reflect.Type) (lo, hi string) {
	bits := t.Bits()
	if t.Kind() >= reflect.Uint {
		return "0", strconv.FormatUint(math.MaxUint64>>(64-bits), 10)
	}
	return strconv.FormatInt(math.MinInt64>>(64-bits), 10), strconv.FormatInt(math.MaxInt64>>(64-bits), 10)
}

// valueWords names a value as the file has it: "ten" (quoted, a
// string), 300, a list, a mapping.
func valueWords(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	}
	if n.ShortTag() == "!!str" {
		return strconv.Quote(n.Value)
	}
	return n.Value
}

var (
	durationType        = reflect.TypeFor[time.Duration]()
	addrType            = reflect.TypeFor[netip.Addr]()
	prefixType          = reflect.TypeFor[netip.Prefix]()
	addrPortType        = reflect.TypeFor[netip.AddrPort]()
	yamlUnmarshalerType = reflect.TypeFor[yaml.Unmarshaler]()
	textUnmarshalerType = reflect.TypeFor[encoding.TextUnmarshaler]()
)

// typeWords names what a value of type t is in YAML terms.
func typeWords(t reflect.Type) string {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch {
	case t == nil:
		return "a value"
	case t == durationType:
		return "a duration such as 10s or 100ms"
	case t == addrType:
		return "an IP address"
	case t == prefixType:
		return "an address with a prefix length such as 10.0.0.0/24"
	case t == addrPortType:
		return "an address and port such as 192.0.2.1:53"
	case reflect.PointerTo(t).Implements(textUnmarshalerType) || reflect.PointerTo(t).Implements(yamlUnmarshalerType):
		return "a value"
	}
	switch t.Kind() {
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.String:
		return "a string"
	case reflect.Slice, reflect.Array:
		return "a list"
	case reflect.Map, reflect.Struct:
		return "a mapping"
	}
	return "a value"
}

// typeAt is the type the value at the YAML path p decodes into, starting
// from t; nil when it cannot be told (a custom unmarshaler on the way).
func typeAt(t reflect.Type, p []any) reflect.Type {
	for _, k := range p {
		for t != nil && t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
		if t == nil || reflect.PointerTo(t).Implements(yamlUnmarshalerType) {
			return nil
		}
		switch k := k.(type) {
		case int:
			if t.Kind() != reflect.Slice && t.Kind() != reflect.Array {
				return nil
			}
			t = t.Elem()
		case string:
			switch t.Kind() {
			case reflect.Map:
				t = t.Elem()
			case reflect.Struct:
				t = fieldType(t, k)
			default:
				return nil
			}
		}
	}
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t
}

// yamlField is a key of a struct as yaml decodes it.
type yamlField struct {
	key string
	t   reflect.Type
}

// structFields lists the keys of struct type t, inline structs' included,
// in field order; nil for other types.
func structFields(t reflect.Type) []yamlField {
	if t == nil || t.Kind() != reflect.Struct || reflect.PointerTo(t).Implements(yamlUnmarshalerType) {
		return nil
	}
	var out []yamlField
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("yaml")
		if !f.IsExported() || tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if strings.Contains(","+opts+",", ",inline,") {
			out = append(out, structFields(f.Type)...)
			continue
		}
		if name == "" {
			name = strings.ToLower(f.Name)
		}
		out = append(out, yamlField{name, f.Type})
	}
	return out
}

func structKeys(t reflect.Type) []string {
	var keys []string
	for _, f := range structFields(t) {
		keys = append(keys, f.key)
	}
	return keys
}

func fieldType(t reflect.Type, key string) reflect.Type {
	for _, f := range structFields(t) {
		if f.key == key {
			return f.t
		}
	}
	return nil
}

// closest is the key of keys nearest to k, at an edit distance of at most
// 2, or "".
func closest(k string, keys []string) string {
	best, bestD := "", 3
	for _, c := range keys {
		if d := editDistance(k, c); d < bestD {
			best, bestD = c, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance between a and b.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// where names the mapping at path p: "the top level" or its path.
func where(p []any) string {
	if len(p) == 0 {
		return "the top level"
	}
	return PathString(p)
}

// findKey finds the mapping key named key on line and returns the path of
// the mapping holding it.
func findKey(top *yaml.Node, line int, key string) (p []any, n *yaml.Node, ok bool) {
	walkYAML(top, nil, func(path []any, k, v *yaml.Node) bool {
		if k != nil && k.Line == line && k.Value == key {
			p, n, ok = path[:len(path)-1], k, true
		}
		return ok
	})
	return p, n, ok
}

// findValue finds the first value (of a mapping key or a list item) on
// line (any line when line < 0) for which match is true, and returns its
// path.
func findValue(top *yaml.Node, line int, match func(*yaml.Node) bool) (p []any, n *yaml.Node, ok bool) {
	walkYAML(top, nil, func(path []any, _, v *yaml.Node) bool {
		if (line < 0 || v.Line == line) && match(v) {
			p, n, ok = path, v, true
		}
		return ok
	})
	return p, n, ok
}

// walkYAML calls fn for every mapping value (with its key) and list item
// under n, depth first in file order, until fn returns true.
func walkYAML(n *yaml.Node, path []any, fn func(path []any, key, val *yaml.Node) bool) bool {
	switch n.Kind {
	case yaml.MappingNode:
		for j := 0; j+1 < len(n.Content); j += 2 {
			p := append(append([]any(nil), path...), n.Content[j].Value)
			if fn(p, n.Content[j], n.Content[j+1]) || walkYAML(n.Content[j+1], p, fn) {
				return true
			}
		}
	case yaml.SequenceNode:
		for j, v := range n.Content {
			p := append(append([]any(nil), path...), j)
			if fn(p, nil, v) || walkYAML(v, p, fn) {
				return true
			}
		}
	}
	return false
}

func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null"
}
