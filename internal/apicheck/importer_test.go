package apicheck

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestSeparateModule builds and runs testdata/importer as a user would:
// a module of its own that requires github.com/switchless/routing (with a
// replace to this checkout) and uses only what the public documentation
// shows. It runs OSPF between three simulated routers, a VRRP pair and a
// RIP pair on the public simulator, and prints what it saw.
func TestSeparateModule(t *testing.T) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go command not found")
	}
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	src, err := os.ReadFile(filepath.Join("testdata", "importer", "main.go"))
	if err != nil {
		t.Fatal(err)
	}
	sum, err := os.ReadFile(filepath.Join(root, "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	mod, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	// The suite's own requirements, as the go command would list them
	// after go mod tidy, so the build needs nothing beyond the module
	// cache that the suite's own build filled.
	var deps []string
	for _, line := range strings.Split(string(mod), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && strings.Contains(f[0], ".") && strings.HasPrefix(line, "\t") {
			deps = append(deps, "\t"+f[0]+" "+f[1]+" // indirect")
		}
	}
	gomod := "module example.com/appliance\n\ngo 1.26\n\n" +
		"require github.com/switchless/routing v0.0.0\n\n" +
		"require (\n" + strings.Join(deps, "\n") + "\n)\n\n" +
		"replace github.com/switchless/routing => " + root + "\n"
	for name, b := range map[string][]byte{"main.go": src, "go.mod": []byte(gomod), "go.sum": sum} {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	run := func(args ...string) string {
		t.Helper()
		cmd := exec.Command(goBin, args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOWORK=off", "GOPROXY=off")
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Run(); err != nil {
			t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, out.String())
		}
		return out.String()
	}
	out := run("run", ".")
	t.Logf("the separate module printed:\n%s", out)
	for _, want := range []string{
		"ospf: r1 reaches 10.0.3.0/24 via 10.0.12.2",
		"ospf: r3 reaches 10.0.1.0/24 via 10.0.23.1",
		"vrrp: a is Master, b is Backup",
		"vrrp: b is Master after a stopped",
		"rip: y learnt 192.168.10.0/24 metric 2",
		"rip: y withdrew 192.168.10.0/24 after x stopped",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q", want)
		}
	}
}
