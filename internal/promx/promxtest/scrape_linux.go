//go:build linux

package promxtest

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/switchless/routing/internal/nstest"
)

// Scrape fetches http://addr/metrics from inside ns (the connection is
// made there: addr is the daemon's metrics_listen, 127.0.0.1 of the
// namespace) and parses it. It returns an error rather than failing, for
// nstest.Eventually.
func Scrape(ns *nstest.NS, addr string) (Families, error) {
	dial := func(ctx context.Context, network, a string) (c net.Conn, err error) {
		err = ns.Do(func() error {
			var d net.Dialer
			c, err = d.DialContext(ctx, network, a)
			return err
		})
		return c, err
	}
	cl := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DialContext: dial, DisableKeepAlives: true}}
	resp, err := cl.Get("http://" + addr + "/metrics")
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s/metrics: %s", addr, resp.Status)
	}
	return Parse(resp.Body)
}

// Await scrapes ns until cond holds of a scrape, for at most timeout
// (nstest.Eventually), and returns that scrape.
func Await(t testing.TB, ns *nstest.NS, addr string, timeout time.Duration, cond func(Families) error) Families {
	t.Helper()
	var m Families
	nstest.Eventually(t, timeout, func() (err error) {
		if m, err = Scrape(ns, addr); err != nil {
			return err
		}
		return cond(m)
	})
	return m
}

// AwaitGrowth waits (at most timeout) until the metric of family name
// with labels, which was before in an earlier scrape, is above it; before
// must be positive, so that a counter stuck at zero fails.
func AwaitGrowth(t testing.TB, ns *nstest.NS, addr string, timeout time.Duration, name string, labels map[string]string, before float64) {
	t.Helper()
	Await(t, ns, addr, timeout, func(m Families) error {
		if now, _ := m.Value(name, labels); before <= 0 || now <= before {
			return fmt.Errorf("%s%v: %v, then %v: want growing", name, labels, before, now)
		}
		return nil
	})
}

// AwaitValue waits (10 s) until the metric of family name with labels
// is want, and returns that scrape.
func AwaitValue(t testing.TB, ns *nstest.NS, addr, name string, labels map[string]string, want float64) Families {
	t.Helper()
	return Await(t, ns, addr, 10*time.Second, func(m Families) error {
		if v, ok := m.Value(name, labels); !ok || v != want {
			return fmt.Errorf("%s%v = %v (present %v), want %v", name, labels, v, ok, want)
		}
		return nil
	})
}
