package anycast

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os/exec"
	"slices"
	"strings"
	"time"

	"golang.org/x/net/dns/dnsmessage"

	"github.com/switchless/routing/health"
)

// NewChecker returns the health.Checker of a check configuration, for
// embedders who want the built-in checks elsewhere. c must be valid (as
// Config.Validate checks it). Every check returns when ctx is done; the
// Instance gives each one a context with its timeout.
func NewChecker(c CheckConfig) (health.Checker, error) {
	switch c.Type {
	case "tcp":
		return tcpCheck{addr: c.Address}, nil
	case "tcp_banner":
		want := c.Expect
		if want == "" {
			want = DefaultBanner
		}
		return bannerCheck{addr: c.Address, want: want}, nil
	case "http", "https":
		return newHTTPCheck(c), nil
	case "dns":
		host, port, err := splitHostPort(c.Address, "53")
		if err != nil {
			return nil, err
		}
		qt, err := parseQType(c.QType)
		if err != nil {
			return nil, err
		}
		name := c.Query
		if !strings.HasSuffix(name, ".") {
			name += "."
		}
		n, err := dnsmessage.NewName(name)
		if err != nil {
			return nil, fmt.Errorf("anycast: dns query %q: %w", c.Query, err)
		}
		return dnsCheck{addr: net.JoinHostPort(host, port), name: n, qtype: qt}, nil
	case "icmp":
		return newICMPCheck(c.Address)
	case "exec":
		return execCheck{cmd: c.Command, args: slices.Clone(c.Args)}, nil
	}
	return nil, fmt.Errorf("%w: check type %q", ErrInvalidConfig, c.Type)
}

func splitHostPort(addr, defPort string) (host, port string, err error) {
	host, port, err = net.SplitHostPort(addr)
	if err != nil && defPort != "" {
		host, port, err = addr, defPort, nil
	}
	if err != nil {
		return "", "", err
	}
	if host == "" || port == "" {
		return "", "", errors.New("want host:port")
	}
	return host, port, nil
}

// tcpCheck succeeds when a TCP connection is established.
type tcpCheck struct{ addr string }

func (t tcpCheck) Check(ctx context.Context) error {
	var d net.Dialer
	c, err := d.DialContext(ctx, "tcp", t.addr)
	if err != nil {
		return err
	}
	return c.Close()
}

// bannerCheck connects and expects the first line of the greeting to
// start with want (the paper's SMTP check: "220").
type bannerCheck struct{ addr, want string }

func (b bannerCheck) Check(ctx context.Context) error {
	var d net.Dialer
	c, err := d.DialContext(ctx, "tcp", b.addr)
	if err != nil {
		return err
	}
	defer c.Close()
	stop := context.AfterFunc(ctx, func() { c.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	if dl, ok := ctx.Deadline(); ok {
		c.SetDeadline(dl)
	}
	line, err := bufio.NewReaderSize(c, 512).ReadString('\n')
	if err != nil && line == "" {
		return fmt.Errorf("banner: %w", err)
	}
	line = strings.TrimRight(line, "\r\n")
	if !strings.HasPrefix(line, b.want) {
		return fmt.Errorf("banner %q: want a line starting with %q", line, b.want)
	}
	return nil
}

// httpCheck GETs a URL and checks the status and, optionally, the body.
type httpCheck struct {
	url    string
	status []int
	body   string
	client *http.Client
}

func newHTTPCheck(c CheckConfig) httpCheck {
	tr := &http.Transport{
		TLSClientConfig:   &tls.Config{InsecureSkipVerify: c.InsecureSkipVerify, ServerName: c.ServerName},
		DisableKeepAlives: true, // each check is a fresh connection, as a client's would be
		Proxy:             nil,
	}
	return httpCheck{url: c.URL, status: slices.Clone(c.Status), body: c.Expect,
		client: &http.Client{Transport: tr, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

func (h httpCheck) Check(ctx context.Context) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, h.url, nil)
	if err != nil {
		return err
	}
	resp, err := h.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	ok := resp.StatusCode >= 200 && resp.StatusCode < 400
	if len(h.status) > 0 {
		ok = slices.Contains(h.status, resp.StatusCode)
	}
	if !ok {
		return fmt.Errorf("http status %d", resp.StatusCode)
	}
	if h.body == "" {
		return nil
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return fmt.Errorf("http body: %w", err)
	}
	if !strings.Contains(string(b), h.body) {
		return fmt.Errorf("http body does not contain %q", h.body)
	}
	return nil
}

var qtypes = map[string]dnsmessage.Type{
	"A": dnsmessage.TypeA, "AAAA": dnsmessage.TypeAAAA, "NS": dnsmessage.TypeNS,
	"MX": dnsmessage.TypeMX, "TXT": dnsmessage.TypeTXT, "SOA": dnsmessage.TypeSOA,
	"CNAME": dnsmessage.TypeCNAME, "PTR": dnsmessage.TypePTR, "SRV": dnsmessage.TypeSRV,
}

func parseQType(s string) (dnsmessage.Type, error) {
	if s == "" {
		s = DefaultDNSType
	}
	t, ok := qtypes[strings.ToUpper(s)]
	if !ok {
		return 0, fmt.Errorf("%q: want A, AAAA, NS, MX, TXT, SOA, CNAME, PTR or SRV", s)
	}
	return t, nil
}

// dnsCheck sends one query over UDP and expects a NOERROR answer with a
// record of the asked type.
type dnsCheck struct {
	addr  string
	name  dnsmessage.Name
	qtype dnsmessage.Type
}

func (d dnsCheck) Check(ctx context.Context) error {
	var dl net.Dialer
	c, err := dl.DialContext(ctx, "udp", d.addr)
	if err != nil {
		return err
	}
	defer c.Close()
	stop := context.AfterFunc(ctx, func() { c.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	if t, ok := ctx.Deadline(); ok {
		c.SetDeadline(t)
	}
	id := uint16(time.Now().UnixNano())
	q := dnsmessage.Message{
		Header:    dnsmessage.Header{ID: id, RecursionDesired: true},
		Questions: []dnsmessage.Question{{Name: d.name, Type: d.qtype, Class: dnsmessage.ClassINET}},
	}
	b, err := q.Pack()
	if err != nil {
		return err
	}
	if _, err := c.Write(b); err != nil {
		return err
	}
	buf := make([]byte, 4096)
	for {
		n, err := c.Read(buf)
		if err != nil {
			return fmt.Errorf("dns: %w", err)
		}
		var m dnsmessage.Message
		if err := m.Unpack(buf[:n]); err != nil || m.ID != id || !m.Response {
			continue // not our answer
		}
		if m.RCode != dnsmessage.RCodeSuccess {
			return fmt.Errorf("dns: %v %v: rcode %v", d.name, d.qtype, m.RCode)
		}
		for _, a := range m.Answers {
			if a.Header.Type == d.qtype {
				return nil
			}
		}
		return fmt.Errorf("dns: %v %v: no answer of that type", d.name, d.qtype)
	}
}

// execCheck runs a command; exit status 0 is a success. The context's
// deadline kills it.
type execCheck struct {
	cmd  string
	args []string
}

func (e execCheck) Check(ctx context.Context) error {
	cmd := exec.CommandContext(ctx, e.cmd, e.args...)
	cmd.WaitDelay = 100 * time.Millisecond // a child holding the pipes does not outlive the timeout
	out, err := cmd.CombinedOutput()
	if err != nil {
		if ctx.Err() != nil {
			return health.ErrTimeout
		}
		msg := strings.TrimSpace(string(out))
		if len(msg) > 200 {
			msg = msg[:200]
		}
		if msg != "" {
			return fmt.Errorf("%w: %s", err, msg)
		}
		return err
	}
	return nil
}
