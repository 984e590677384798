package main

import "testing"

// TestParseConfig_MetricsListen: metrics_listen is validated in YAML
// terms, at the top level or in the rip block, and the top level's wins.
func TestParseConfig_MetricsListen(t *testing.T) {
	rip := "rip:\n  interfaces:\n    - name: eth0\n"
	for _, c := range []struct{ name, yaml, want, err string }{
		{"off", rip + svc, "", ""},
		{"top level", "metrics_listen: 127.0.0.1:9488\n" + rip + svc, "127.0.0.1:9488", ""},
		{"rip block", "rip:\n  metrics_listen: 127.0.0.1:9489\n  interfaces:\n    - name: eth0\n" + svc, "127.0.0.1:9489", ""},
		{"both", "metrics_listen: 127.0.0.1:9488\nrip:\n  metrics_listen: 127.0.0.1:9489\n  interfaces:\n    - name: eth0\n" + svc, "127.0.0.1:9488", ""},
		{"bad", "metrics_listen: foo\n" + rip + svc, "", `x.yaml:1: metrics_listen: "foo": must be host:port`},
		{"bad in rip", "rip:\n  metrics_listen: :0\n  interfaces:\n    - name: eth0\n" + svc, "", `x.yaml:2: rip.metrics_listen: ":0": port "0" must be 1–65535`},
	} {
		t.Run(c.name, func(t *testing.T) {
			l, err := ParseConfig("x.yaml", []byte(c.yaml))
			if c.err != "" {
				if err == nil || err.Error() != c.err {
					t.Fatalf("error\n%v\nwant\n%s", err, c.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := l.metricsListen(); got != c.want {
				t.Errorf("metrics listen %q, want %q", got, c.want)
			}
		})
	}
}
