package packaging

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// daemons are the example daemons that have a unit.
var daemons = []string{"ospfd", "vrrpd", "ripd", "ringd", "anycastd"}

// unit parses a unit file into its sections' keys and values (a key given
// twice keeps both values).
func unit(t *testing.T, path string) map[string]map[string][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string]map[string][]string{}
	section := ""
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "" || strings.HasPrefix(line, "#") || strings.HasPrefix(line, ";"):
		case strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]"):
			section = line[1 : len(line)-1]
			out[section] = map[string][]string{}
		default:
			k, v, ok := strings.Cut(line, "=")
			if !ok || section == "" {
				t.Fatalf("%s:%d: not KEY=VALUE in a section: %q", path, n, line)
			}
			out[section][k] = append(out[section][k], v)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestUnits_RequiredKeys: every daemon's unit runs it from
// /usr/local/bin with its file in /etc/switchless, reloads with SIGHUP,
// restarts on failure and holds only the network capabilities.
func TestUnits_RequiredKeys(t *testing.T) {
	caps := "CAP_NET_ADMIN CAP_NET_RAW CAP_NET_BIND_SERVICE"
	for _, d := range daemons {
		u := unit(t, filepath.Join("systemd", d+".service"))
		s := u["Service"]
		want := map[string]string{
			"Type":                  "simple",
			"ExecStart":             "/usr/local/bin/" + d + " run -config /etc/switchless/" + d + ".yaml",
			"ExecStartPre":          "/usr/local/bin/" + d + " check -config /etc/switchless/" + d + ".yaml",
			"ExecReload":            "/bin/kill -HUP $MAINPID",
			"Restart":               "on-failure",
			"CapabilityBoundingSet": caps,
			"AmbientCapabilities":   caps,
			"NoNewPrivileges":       "yes",
			"RuntimeDirectory":      d,
			"ProtectSystem":         "strict",
		}
		for k, v := range want {
			if got := s[k]; len(got) != 1 || got[0] != v {
				t.Errorf("%s.service: [Service] %s=%q, want %q", d, k, got, v)
			}
		}
		if got := u["Install"]["WantedBy"]; len(got) != 1 || got[0] != "multi-user.target" {
			t.Errorf("%s.service: [Install] WantedBy=%q", d, got)
		}
		if !strings.Contains(strings.Join(u["Unit"]["Description"], ""), d) {
			t.Errorf("%s.service: Description %q does not name the daemon", d, u["Unit"]["Description"])
		}
	}
}

// TestUnits_SystemdAnalyzeVerify runs systemd-analyze verify on the units
// where systemd is installed, the daemons' paths pointed at an executable
// that exists here.
func TestUnits_SystemdAnalyzeVerify(t *testing.T) {
	sa, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Skip("no systemd-analyze")
	}
	dir := t.TempDir()
	var files []string
	for _, d := range daemons {
		b, err := os.ReadFile(filepath.Join("systemd", d+".service"))
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dir, d+".service")
		if err := os.WriteFile(p, []byte(strings.ReplaceAll(string(b), "/usr/local/bin/"+d, "/bin/true")), 0o644); err != nil {
			t.Fatal(err)
		}
		files = append(files, p)
	}
	out, err := exec.Command(sa, append([]string{"verify"}, files...)...).CombinedOutput()
	if err != nil || len(strings.TrimSpace(string(out))) > 0 {
		t.Errorf("systemd-analyze verify: %v\n%s", err, out)
	}
}
