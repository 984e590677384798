package anycast

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/dns/dnsmessage"

	"github.com/switchless/routing/health"
)

func runCheck(t *testing.T, c CheckConfig, timeout time.Duration) error {
	t.Helper()
	if err := c.validate("check", time.Hour); err != nil {
		t.Fatalf("validate: %v", err)
	}
	ch, err := NewChecker(c)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	return ch.Check(ctx)
}

// closedAddr returns a local TCP address nothing listens on.
func closedAddr(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	a := l.Addr().String()
	l.Close()
	return a
}

// bannerServer greets every connection with greeting after delay.
func bannerServer(t *testing.T, greeting string, delay time.Duration) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				time.Sleep(delay)
				fmt.Fprint(c, greeting)
				c.SetReadDeadline(time.Now().Add(time.Second))
				c.Read(make([]byte, 1))
			}()
		}
	}()
	return l.Addr().String()
}

func TestCheckTCP(t *testing.T) {
	ok := bannerServer(t, "", 0)
	if err := runCheck(t, CheckConfig{Type: "tcp", Address: ok}, time.Second); err != nil {
		t.Fatalf("listening: %v", err)
	}
	if err := runCheck(t, CheckConfig{Type: "tcp", Address: closedAddr(t)}, time.Second); err == nil {
		t.Fatal("refused connection passed")
	}
}

// The paper's SMTP check: a 220 greeting.
func TestCheckTCPBanner(t *testing.T) {
	if err := runCheck(t, CheckConfig{Type: "tcp_banner", Address: bannerServer(t, "220 mx ESMTP\r\n", 0)}, time.Second); err != nil {
		t.Fatalf("220: %v", err)
	}
	err := runCheck(t, CheckConfig{Type: "tcp_banner", Address: bannerServer(t, "421 busy\r\n", 0)}, time.Second)
	if err == nil || !strings.Contains(err.Error(), "421") {
		t.Fatalf("421 passed or unclear: %v", err)
	}
	if err := runCheck(t, CheckConfig{Type: "tcp_banner", Address: bannerServer(t, "+OK pop\r\n", 0), Expect: "+OK"}, time.Second); err != nil {
		t.Fatalf("custom expect: %v", err)
	}
	if err := runCheck(t, CheckConfig{Type: "tcp_banner", Address: closedAddr(t)}, time.Second); err == nil {
		t.Fatal("refused passed")
	}
	// A server that accepts and never greets: cut at the timeout.
	start := time.Now()
	err = runCheck(t, CheckConfig{Type: "tcp_banner", Address: bannerServer(t, "220 late\r\n", 5*time.Second)}, 100*time.Millisecond)
	if err == nil || time.Since(start) > 3*time.Second {
		t.Fatalf("silent server: %v after %v", err, time.Since(start))
	}
}

func TestCheckHTTP(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/ok":
			fmt.Fprint(w, "status: healthy")
		case "/hang":
			<-r.Context().Done()
		default:
			http.Error(w, "nope", http.StatusServiceUnavailable)
		}
	}))
	defer srv.Close()
	cases := []struct {
		c    CheckConfig
		pass bool
	}{
		{CheckConfig{Type: "http", URL: srv.URL + "/ok"}, true},
		{CheckConfig{Type: "http", URL: srv.URL + "/ok", Expect: "healthy"}, true},
		{CheckConfig{Type: "http", URL: srv.URL + "/ok", Expect: "sick"}, false},
		{CheckConfig{Type: "http", URL: srv.URL + "/down"}, false},
		{CheckConfig{Type: "http", URL: srv.URL + "/down", Status: []int{503}}, true},
		{CheckConfig{Type: "http", URL: srv.URL + "/ok", Status: []int{204}}, false},
		{CheckConfig{Type: "http", URL: srv.URL + "/hang"}, false},
		{CheckConfig{Type: "http", URL: "http://" + closedAddr(t) + "/"}, false},
	}
	for _, tc := range cases {
		err := runCheck(t, tc.c, 200*time.Millisecond)
		if (err == nil) != tc.pass {
			t.Errorf("%s status %v expect %q: err %v, want pass %v", tc.c.URL, tc.c.Status, tc.c.Expect, err, tc.pass)
		}
	}
}

func TestCheckHTTPS(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "ok") }))
	defer srv.Close()
	u := srv.URL + "/"
	if err := runCheck(t, CheckConfig{Type: "https", URL: u}, time.Second); err == nil {
		t.Fatal("self-signed certificate accepted without insecure_skip_verify")
	}
	if err := runCheck(t, CheckConfig{Type: "https", URL: u, InsecureSkipVerify: true}, time.Second); err != nil {
		t.Fatalf("insecure_skip_verify: %v", err)
	}
	// server_name is what is verified (and sent as SNI): verification
	// still fails against an unknown CA, and skip-verify still passes.
	if err := runCheck(t, CheckConfig{Type: "https", URL: u, ServerName: "example.com"}, time.Second); err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Fatalf("server_name without a trusted CA: %v", err)
	}
	if err := runCheck(t, CheckConfig{Type: "https", URL: u, ServerName: "example.com", InsecureSkipVerify: true}, time.Second); err != nil {
		t.Fatalf("server_name with skip-verify: %v", err)
	}
}

// dnsServer answers A queries for name with 192.0.2.53, NXDOMAIN for
// others; with silent it never answers.
func dnsServer(t *testing.T, name string, silent bool) string {
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pc.Close() })
	go func() {
		buf := make([]byte, 1500)
		for {
			n, from, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			if silent {
				continue
			}
			var m dnsmessage.Message
			if m.Unpack(buf[:n]) != nil || len(m.Questions) != 1 {
				continue
			}
			q := m.Questions[0]
			resp := dnsmessage.Message{Header: dnsmessage.Header{ID: m.ID, Response: true, Authoritative: true}, Questions: m.Questions}
			if q.Name.String() == name && q.Type == dnsmessage.TypeA {
				resp.Answers = []dnsmessage.Resource{{
					Header: dnsmessage.ResourceHeader{Name: q.Name, Type: dnsmessage.TypeA, Class: dnsmessage.ClassINET, TTL: 60},
					Body:   &dnsmessage.AResource{A: [4]byte{192, 0, 2, 53}},
				}}
			} else if q.Name.String() != name {
				resp.RCode = dnsmessage.RCodeNameError
			}
			b, _ := resp.Pack()
			pc.WriteTo(b, from)
		}
	}()
	return pc.LocalAddr().String()
}

func TestCheckDNS(t *testing.T) {
	srv := dnsServer(t, "svc.example.", false)
	if err := runCheck(t, CheckConfig{Type: "dns", Address: srv, Query: "svc.example"}, time.Second); err != nil {
		t.Fatalf("answered: %v", err)
	}
	if err := runCheck(t, CheckConfig{Type: "dns", Address: srv, Query: "other.example"}, time.Second); err == nil || !strings.Contains(err.Error(), "rcode") {
		t.Fatalf("NXDOMAIN: %v", err)
	}
	if err := runCheck(t, CheckConfig{Type: "dns", Address: srv, Query: "svc.example", QType: "AAAA"}, time.Second); err == nil {
		t.Fatal("no AAAA answer passed")
	}
	start := time.Now()
	if err := runCheck(t, CheckConfig{Type: "dns", Address: dnsServer(t, "x.", true), Query: "svc.example"}, 100*time.Millisecond); err == nil || time.Since(start) > 3*time.Second {
		t.Fatalf("silent server: %v", err)
	}
}

func TestCheckExec(t *testing.T) {
	if err := runCheck(t, CheckConfig{Type: "exec", Command: "true"}, time.Second); err != nil {
		t.Fatalf("true: %v", err)
	}
	err := runCheck(t, CheckConfig{Type: "exec", Command: "sh", Args: []string{"-c", "echo broken; exit 3"}}, time.Second)
	if err == nil || !strings.Contains(err.Error(), "broken") {
		t.Fatalf("exit 3: %v", err)
	}
	start := time.Now()
	err = runCheck(t, CheckConfig{Type: "exec", Command: "sleep", Args: []string{"10"}}, 100*time.Millisecond)
	if !errors.Is(err, health.ErrTimeout) || time.Since(start) > 5*time.Second {
		t.Fatalf("sleep 10: %v after %v", err, time.Since(start))
	}
	// A missing command is a configuration error.
	c := CheckConfig{Type: "exec", Command: "/nonexistent/anycast-check"}
	if err := c.validate("services[0].checks[1]", time.Second); !errors.Is(err, ErrInvalidConfig) || !strings.Contains(err.Error(), "services[0].checks[1].command") {
		t.Fatalf("missing command: %v", err)
	}
}

// ICMP needs a ping socket (net.ipv4.ping_group_range) or CAP_NET_RAW.
func TestCheckICMP(t *testing.T) {
	err := runCheck(t, CheckConfig{Type: "icmp", Address: "127.0.0.1"}, time.Second)
	if err != nil && strings.Contains(err.Error(), "no ping socket") {
		t.Skip(err)
	}
	if err != nil {
		t.Fatalf("ping 127.0.0.1: %v", err)
	}
	// TEST-NET-2 is not routed to a host that answers: no reply within the
	// timeout (or an unreachable error).
	if err := runCheck(t, CheckConfig{Type: "icmp", Address: "198.51.100.7"}, 200*time.Millisecond); err == nil {
		t.Fatal("echo to TEST-NET-2 answered")
	}
}
