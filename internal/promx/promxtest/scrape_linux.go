//go:build linux

package promxtest

import (
	"context"
	"fmt"
	"net"
	"net/http"
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
