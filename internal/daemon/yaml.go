package daemon

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// errLine matches the "line N: " yaml puts in its errors.
var errLine = regexp.MustCompile(`line (\d+): `)

// DecodeYAMLStrict decodes b into v, rejecting unknown fields. Every error
// names path and, where one can be found, the line: "path:LINE: reason".
// A yaml.TypeError becomes one such line per problem, joined by newlines.
// Errors of TextUnmarshalers carry no line; the line of the first scalar
// whose value the message quotes is used, and the error is wrapped.
func DecodeYAMLStrict(path string, b []byte, v any) error {
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	err := dec.Decode(v)
	if err == nil {
		return nil
	}
	var te *yaml.TypeError
	if errors.As(err, &te) {
		var msgs []string
		for _, e := range te.Errors {
			if m := errLine.FindStringSubmatch(e); m != nil {
				e = m[1] + ": " + errLine.ReplaceAllString(e, "")
			}
			msgs = append(msgs, path+":"+e)
		}
		return errors.New(strings.Join(msgs, "\n"))
	}
	if m := errLine.FindStringSubmatch(err.Error()); m != nil {
		return fmt.Errorf("%s:%s: %s", path, m[1], errLine.ReplaceAllString(strings.TrimPrefix(err.Error(), "yaml: "), ""))
	}
	var root yaml.Node
	if yaml.Unmarshal(b, &root) == nil {
		if line := QuotedLine(&root, err.Error()); line > 0 {
			return fmt.Errorf("%s:%d: %w", path, line, err)
		}
	}
	return fmt.Errorf("%s: %w", path, err)
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
