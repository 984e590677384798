package daemon

import (
	"bytes"
	"fmt"
	"os"
	"reflect"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// DecodeYAMLStrict decodes b, the file path, into v, rejecting unknown
// keys. Every error is in the file's terms, "path:LINE: reason", one line
// per problem (a *YAMLError each, joined by errors.Join):
//
//	ospfd.yaml:3: unknown key "max_path" in the top level; did you mean "max_paths"?
//	ospfd.yaml:7: interfaces[0].cost: "ten" is not a number
//	ospfd.yaml: the file is empty
//	ospfd.yaml:1: the top level is a list; it must be a mapping of keys
//
// never Go's (no type names, no YAML tags). The error of a value's
// UnmarshalText is wrapped, at the line of the value it quotes.
func DecodeYAMLStrict(path string, b []byte, v any) error {
	var root yaml.Node
	if err := yaml.Unmarshal(b, &root); err != nil {
		return syntaxError(path, err)
	}
	if root.Kind == 0 || len(root.Content) == 0 || isNull(root.Content[0]) {
		return &YAMLError{File: path, Reason: "the file is empty"}
	}
	top := root.Content[0]
	if t := typeAt(reflect.TypeOf(v), nil); t != nil && (t.Kind() == reflect.Struct || t.Kind() == reflect.Map) && top.Kind != yaml.MappingNode {
		return &YAMLError{File: path, Line: top.Line, Reason: fmt.Sprintf("the top level is %s; it must be a mapping of keys (key: value)", valueWords(top))}
	}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(v); err != nil {
		return translate(path, top, reflect.TypeOf(v), err)
	}
	var next yaml.Node
	if err := dec.Decode(&next); err == nil {
		return &YAMLError{File: path, Line: next.Line, Reason: "a second YAML document (after ---): the configuration is one document"}
	}
	return nil
}

// QuotedLine returns the line of the first scalar under n whose value msg
// quotes ("value"), or 0.
func QuotedLine(n *yaml.Node, msg string) int {
	if n.Kind == yaml.ScalarNode && n.Value != "" && strings.Contains(msg, `"`+n.Value+`"`) {
		return n.Line
	}
	for _, c := range n.Content {
		if l := QuotedLine(c, msg); l > 0 {
			return l
		}
	}
	return 0
}

// Line returns the line of the value at path (mapping keys as strings,
// sequence indexes as ints) in the document root: a mapping key's own line
// for keys, an item's line for indexes. When part of path does not exist,
// it is the line of the nearest existing parent.
func Line(root *yaml.Node, path []any) int {
	n := root
	if n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
		n = n.Content[0]
	}
	line := n.Line
	for _, p := range path {
		var next *yaml.Node
		switch p := p.(type) {
		case int:
			if n.Kind == yaml.SequenceNode && p >= 0 && p < len(n.Content) {
				next = n.Content[p]
				line = next.Line
			}
		case string:
			if n.Kind == yaml.MappingNode {
				for j := 0; j+1 < len(n.Content); j += 2 {
					if n.Content[j].Value == p {
						next = n.Content[j+1]
						// A block mapping value starts on the line
						// after its key: point at the key.
						line = n.Content[j].Line
						break
					}
				}
			}
		}
		if next == nil {
			return line
		}
		n = next
	}
	return line
}

// PathString renders a YAML path as upstream.edges[1].node.
func PathString(path []any) string {
	var b strings.Builder
	for i, p := range path {
		switch p := p.(type) {
		case int:
			b.WriteString("[" + strconv.Itoa(p) + "]")
		case string:
			if i > 0 {
				b.WriteByte('.')
			}
			b.WriteString(p)
		}
	}
	return b.String()
}

// LoadFile reads the file at path and hands its bytes to parse, which
// names them path in its errors: what a daemon's LoadConfig is.
func LoadFile[T any](path string, parse func(path string, b []byte) (T, error)) (T, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		var zero T
		return zero, err
	}
	return parse(path, b)
}

// ParseYAML decodes b into v with DecodeYAMLStrict and returns the
// document's node tree as well, to point later errors at lines (Line,
// ErrAt). When decoding fails, root is the tree still if b is YAML at all
// (for a caller that names keys in the decoding error), else nil; a tree
// that cannot be built after a good decode is "path: reason".
func ParseYAML(path string, b []byte, v any) (root *yaml.Node, err error) {
	root = new(yaml.Node)
	if err := DecodeYAMLStrict(path, b, v); err != nil {
		if yaml.Unmarshal(b, root) != nil {
			return nil, err
		}
		return root, err
	}
	if err := yaml.Unmarshal(b, root); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return root, nil
}

// ErrAt returns "path:LINE: KEY: reason" about the value at the YAML path
// ypath (keys and sequence indexes) of root: at its line, or at its
// nearest existing parent's (see Line), KEY as PathString spells it.
func ErrAt(path string, root *yaml.Node, ypath []any, format string, args ...any) error {
	return fmt.Errorf("%s:%d: %s: %s", path, Line(root, ypath), PathString(ypath), fmt.Sprintf(format, args...))
}
