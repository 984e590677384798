package apicheck

import (
	"bufio"
	"bytes"
	"fmt"
	"go/importer"
	"go/token"
	"go/types"
	"io"
	"os"
	"os/exec"
	"sort"
	"strings"
	"testing"
)

const module = "github.com/switchless/routing"

// TestNoInternalTypesInPublicAPI type-checks every public package of the
// module from its export data (go list -export) and walks each exported
// identifier: function signatures, variable and constant types, exported
// struct fields, interface methods and the exported methods of every
// exported type.
func TestNoInternalTypesInPublicAPI(t *testing.T) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go command not found")
	}
	cmd := exec.Command(goBin, "list", "-export", "-deps", "-f", "{{.ImportPath}} {{.Export}}", module+"/...")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, stderr.String())
	}
	exports := map[string]string{}
	var public []string
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		path, file, _ := strings.Cut(sc.Text(), " ")
		exports[path] = file
		if (path == module || strings.HasPrefix(path, module+"/")) && !isInternal(path) && !strings.HasPrefix(path, module+"/examples") {
			public = append(public, path)
		}
	}
	if len(public) < 5 {
		t.Fatalf("found only %d public packages: %q", len(public), public)
	}
	fset := token.NewFileSet()
	imp := importer.ForCompiler(fset, "gc", func(path string) (io.ReadCloser, error) {
		f, ok := exports[path]
		if !ok || f == "" {
			return nil, fmt.Errorf("no export data for %s", path)
		}
		return os.Open(f)
	})
	var bad []string
	for _, path := range public {
		pkg, err := imp.Import(path)
		if err != nil {
			t.Fatalf("import %s: %v", path, err)
		}
		bad = append(bad, check(pkg)...)
	}
	sort.Strings(bad)
	for _, b := range bad {
		t.Error(b)
	}
	t.Logf("checked %d public packages: %s", len(public), strings.Join(public, " "))
}

func isInternal(path string) bool {
	return strings.Contains(path, "/internal/") || strings.HasSuffix(path, "/internal")
}

// check reports every exported identifier of pkg whose API mentions an
// internal type.
func check(pkg *types.Package) []string {
	var bad []string
	report := func(where string, typ types.Type) {
		if p := internalIn(typ, map[types.Type]bool{}); p != "" {
			bad = append(bad, fmt.Sprintf("%s.%s uses %s", pkg.Path(), where, p))
		}
	}
	scope := pkg.Scope()
	for _, name := range scope.Names() {
		obj := scope.Lookup(name)
		if !obj.Exported() {
			continue
		}
		switch o := obj.(type) {
		case *types.TypeName:
			named, ok := o.Type().(*types.Named)
			if !ok {
				report(name, o.Type()) // alias
				continue
			}
			report(name, named.Underlying())
			// The pointer's method set holds the value's methods too.
			ms := types.NewMethodSet(types.NewPointer(named))
			for i := range ms.Len() {
				if m := ms.At(i).Obj(); m.Exported() {
					report(name+"."+m.Name(), m.Type())
				}
			}
		default:
			report(name, obj.Type())
		}
	}
	return bad
}

// internalIn returns the qualified name of an internal type reachable in
// typ's exported surface, or "".
func internalIn(typ types.Type, seen map[types.Type]bool) string {
	if seen[typ] {
		return ""
	}
	seen[typ] = true
	switch t := typ.(type) {
	case *types.Named:
		if p := t.Obj().Pkg(); p != nil && isInternal(p.Path()) {
			return p.Path() + "." + t.Obj().Name()
		}
		if args := t.TypeArgs(); args != nil {
			for i := range args.Len() {
				if s := internalIn(args.At(i), seen); s != "" {
					return s
				}
			}
		}
		return "" // a public named type is checked at its own declaration
	case *types.Alias:
		return internalIn(types.Unalias(t), seen)
	case *types.Pointer:
		return internalIn(t.Elem(), seen)
	case *types.Slice:
		return internalIn(t.Elem(), seen)
	case *types.Array:
		return internalIn(t.Elem(), seen)
	case *types.Chan:
		return internalIn(t.Elem(), seen)
	case *types.Map:
		if s := internalIn(t.Key(), seen); s != "" {
			return s
		}
		return internalIn(t.Elem(), seen)
	case *types.Signature:
		for _, tup := range []*types.Tuple{t.Params(), t.Results()} {
			for i := range tup.Len() {
				if s := internalIn(tup.At(i).Type(), seen); s != "" {
					return s
				}
			}
		}
	case *types.Struct:
		for i := range t.NumFields() {
			if f := t.Field(i); f.Exported() {
				if s := internalIn(f.Type(), seen); s != "" {
					return s
				}
			}
		}
	case *types.Interface:
		for i := range t.NumMethods() {
			if m := t.Method(i); m.Exported() {
				if s := internalIn(m.Type(), seen); s != "" {
					return s
				}
			}
		}
		for i := range t.NumEmbeddeds() {
			if s := internalIn(t.EmbeddedType(i), seen); s != "" {
				return s
			}
		}
	}
	return ""
}

// The walk finds an internal type wherever the public surface exposes it:
// a result, a field, a method, a map value, a type argument.
func TestCheckFindsInternalTypes(t *testing.T) {
	ipkg := types.NewPackage(module+"/internal/secret", "secret")
	secret := types.NewNamed(types.NewTypeName(token.NoPos, ipkg, "Thing", nil), types.NewStruct(nil, nil), nil)
	pub := types.NewPackage(module+"/pub", "pub")
	ptr := types.NewPointer(secret)
	sig := func(res types.Type) *types.Signature {
		return types.NewSignatureType(nil, nil, nil, nil, types.NewTuple(types.NewVar(token.NoPos, pub, "", res)), false)
	}
	pub.Scope().Insert(types.NewFunc(token.NoPos, pub, "Returns", sig(ptr)))
	pub.Scope().Insert(types.NewVar(token.NoPos, pub, "Map", types.NewMap(types.Typ[types.String], secret)))
	pub.Scope().Insert(types.NewFunc(token.NoPos, pub, "hidden", sig(ptr))) // unexported: fine
	field := types.NewField(token.NoPos, pub, "Field", secret, false)
	hiddenField := types.NewField(token.NoPos, pub, "field", secret, false)
	holder := types.NewNamed(types.NewTypeName(token.NoPos, pub, "Holder", nil), types.NewStruct([]*types.Var{field, hiddenField}, nil), nil)
	pub.Scope().Insert(holder.Obj())
	withMethod := types.NewNamed(types.NewTypeName(token.NoPos, pub, "WithMethod", nil), types.NewStruct(nil, nil), nil)
	recv := types.NewVar(token.NoPos, pub, "w", withMethod)
	withMethod.AddMethod(types.NewFunc(token.NoPos, pub, "Get", types.NewSignatureType(recv, nil, nil, nil, types.NewTuple(types.NewVar(token.NoPos, pub, "", secret)), false)))
	pub.Scope().Insert(withMethod.Obj())

	got := check(pub)
	sort.Strings(got)
	want := []string{
		module + "/pub.Holder uses " + module + "/internal/secret.Thing",
		module + "/pub.Map uses " + module + "/internal/secret.Thing",
		module + "/pub.Returns uses " + module + "/internal/secret.Thing",
		module + "/pub.WithMethod.Get uses " + module + "/internal/secret.Thing",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("check found:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
