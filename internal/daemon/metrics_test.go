package daemon

import (
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

func TestCheckListen(t *testing.T) {
	for addr, bad := range map[string]string{
		"": "", "127.0.0.1:9485": "", ":9485": "", "[::1]:9485": "", "localhost:9485": "",
		"foo":            `"foo": must be host:port`,
		"127.0.0.1":      `"127.0.0.1": must be host:port`,
		"127.0.0.1:0":    `port "0" must be 1–65535`,
		"127.0.0.1:http": `port "http" must be 1–65535`,
		"bad host:1":     `host "bad host" is neither`,
	} {
		got := CheckListen(addr)
		if (bad == "") != (got == "") || !strings.Contains(got, bad) {
			t.Errorf("CheckListen(%q) = %q, want %q", addr, got, bad)
		}
	}
}

// freePort returns a local address nothing listens on (it was free a
// moment ago).
func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

func TestServeMetrics(t *testing.T) {
	g := prometheus.NewGauge(prometheus.GaugeOpts{Name: "switchless_test_gauge", Help: "A test gauge."})
	g.Set(42)
	reg, err := NewRegistry(g)
	if err != nil {
		t.Fatal(err)
	}
	addr := freePort(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stop, err := ServeMetrics(ctx, addr, reg, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ServeMetrics(ctx, addr, reg, nil); err == nil || !strings.Contains(err.Error(), "metrics_listen "+addr) {
		t.Errorf("second server on %s: %v, want an error naming metrics_listen", addr, err)
	}
	resp, err := http.Get("http://" + addr + MetricsPath)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{"switchless_test_gauge 42", "go_goroutines", "process_start_time_seconds"} {
		if !strings.Contains(string(body), want) {
			t.Errorf("scrape lacks %q", want)
		}
	}
	stop()
	stop() // idempotent
	if _, err := http.Get("http://" + addr + MetricsPath); err == nil {
		t.Error("still served after stop")
	}
	off, err := ServeMetrics(ctx, "", reg, nil)
	if err != nil {
		t.Fatal(err)
	}
	off()
}
