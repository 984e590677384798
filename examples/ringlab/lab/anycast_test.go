//go:build linux

package lab

import (
	"fmt"
	"net"
	"testing"
	"time"

	"github.com/switchless/routing/ring"
)

// The VIP probe tells a working service from a failed one: a "220" banner
// answers; a refused connection, another greeting or silence does not.
func TestBannerOK(t *testing.T) {
	serve := func(greeting string) string {
		ln, err := net.Listen("tcp4", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { ln.Close() })
		go func() {
			for {
				c, err := ln.Accept()
				if err != nil {
					return
				}
				if greeting != "" {
					fmt.Fprint(c, greeting)
					c.Close()
				} else {
					t.Cleanup(func() { c.Close() }) // silent
				}
			}
		}()
		return ln.Addr().String()
	}
	dl := func() time.Time { return time.Now().Add(probeTimeout) }
	if !bannerOK(serve("220 s2\r\n"), dl()) {
		t.Error("220 banner not counted as an answer")
	}
	if bannerOK(serve("554 no service\r\n"), dl()) {
		t.Error("554 banner counted as an answer")
	}
	if bannerOK(serve(""), dl()) {
		t.Error("a silent server counted as an answer")
	}
	ln, _ := net.Listen("tcp4", "127.0.0.1:0")
	refused := ln.Addr().String()
	ln.Close()
	if bannerOK(refused, dl()) {
		t.Error("a refused connection counted as an answer")
	}
}

// S5's limit is the anycast check's detection plus slack; S5r may not
// wait for a dead interval.
func TestLimits_Anycast(t *testing.T) {
	for _, p := range []ring.Profile{ring.ProfileFast, ring.ProfileRFC} {
		lim, err := Limits(ring.PaperSpec(5, p))
		if err != nil {
			t.Fatal(err)
		}
		iv, _, fall := ring.AnycastTiming(p)
		if want := time.Duration(fall)*iv + anycastSlack; lim["S5"].Limit != want {
			t.Errorf("%v: S5 limit %v, want %v", p, lim["S5"].Limit, want)
		}
		if lim["S5r"].Limit != p.Timers().DeadInterval {
			t.Errorf("%v: S5r limit %v, want the dead interval", p, lim["S5r"].Limit)
		}
	}
}
