package ospf

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/switchless/routing/netsim"
	"github.com/switchless/routing/ospf/packet"
)

// externalsOf counts the non-default AS-external-LSAs in in's database
// that adv originated (not MaxAge).
func externalsOf(in *Instance, adv string) int {
	n := 0
	for _, e := range in.LSDB(LSDBFilter{}) {
		h := e.LSA.Header
		if nonDefaultExternal(h.Key()) && h.AdvRouter.String() == adv && packet.LSAge(h.Age) != packet.MaxAge {
			n++
		}
	}
	return n
}

// overflowPair: r1 injects n external routes and a default; r2, with the
// limit, injects two of its own.
func overflowPair(t *testing.T, n, limit int, exit time.Duration, flood bool) *sim {
	s := newSim(t, 41)
	s.router("r1", "10.255.0.1")
	s.router("r2", "10.255.0.2")
	s.link("r1", "r2", "10.1.2.0/30", netsim.Conditions{Latency: time.Millisecond}, func(ic *InterfaceConfig) {
		ic.HelloInterval, ic.RouterDeadInterval, ic.RetransmitInterval = time.Second, 4*time.Second, 2*time.Second
	})
	r1 := s.startWith("r1", func(c *Config) { c.DefaultInformation = DefaultInformation{Originate: true, Always: true} })
	r2 := s.startWith("r2", func(c *Config) { c.ExternalLSDBLimit, c.ExitOverflowInterval = limit, exit })
	if flood {
		// After the database exchange, so that they arrive by
		// flooding (§13), not as requested (§10.9).
		s.until(30*time.Second, "Full", s.fullCount(map[string]int{"r1": 1, "r2": 1}))
	}
	for i := range n {
		if err := r1.AddExternal(ExternalRoute{Prefix: netip.PrefixFrom(netip.AddrFrom4([4]byte{198, 18, byte(i), 0}), 24), Metric: 10}); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 2 {
		if err := r2.AddExternal(ExternalRoute{Prefix: netip.PrefixFrom(netip.AddrFrom4([4]byte{203, 0, byte(i), 0}), 24), Metric: 10}); err != nil {
			t.Fatal(err)
		}
	}
	return s
}

// TestOverflow_RFC1765_2_2_EnterAndHold: r1 floods 30 AS-external-LSAs at
// r2, whose limit is 10. r2 never holds more than 10 non-default ones
// (§1 (2)); reaching the limit it enters OverflowState and flushes its
// own two (§2.2), so that r1 loses them; the refused ones are counted
// (DropLSAOverflow) and r1 keeps retransmitting them, unacknowledged
// (§2.3.1). The default route is neither counted nor refused. The
// adjacency stays Full throughout.
func TestOverflow_RFC1765_2_2_EnterAndHold(t *testing.T) {
	s := overflowPair(t, 30, 10, 0, true)
	s.until(30*time.Second, "r2 in OverflowState", func() error {
		if o := s.r("r2").in.Overflow(); !o.Overflow {
			return fmt.Errorf("r2: %+v", o)
		}
		return nil
	})
	r1, r2 := s.r("r1").in, s.r("r2").in
	for range 40 { // 20 s of virtual time: several RxmtIntervals
		s.clock.Advance(500 * time.Millisecond)
		if o := r2.Overflow(); o.Externals > 10 {
			t.Fatalf("r2 holds %d non-default AS-external-LSAs, over its limit 10", o.Externals)
		}
	}
	if got := externalsOf(r1, "10.255.0.2"); got != 0 {
		t.Errorf("r1 still holds %d of r2's AS-external-LSAs; r2 flushes its own in OverflowState (§2.2)", got)
	}
	// Its own two flushed and gone, two of r1's retransmitted ones
	// fill their places.
	if got := externalsOf(r2, "10.255.0.1"); got != 10 {
		t.Errorf("r2 holds %d of r1's 30, want exactly its limit 10", got)
	}
	def := netip.IPv4Unspecified()
	if _, ok := r2.LookupLSA(packet.LSAKey{Type: packet.LSTypeASExternal, ID: def, AdvRouter: netip.MustParseAddr("10.255.0.1")}); !ok {
		t.Error("r2 refused r1's default route: RFC 1765 counts only non-default AS-external-LSAs")
	}
	if d := r2.Stats().Dropped[DropLSAOverflow]; d < 40 {
		t.Errorf("r2 counted %d overflow drops, want the 20 refused several times over (retransmitted)", d)
	}
	if nb, ok := s.r("r1").nbr("10.255.0.2"); !ok || nb.State != NbrFull || nb.RetransmitList != 20 {
		t.Errorf("r1's neighbor r2: %+v; want Full with the 20 refused LSAs still to retransmit (§2.3.1: not acknowledged)", nb)
	}
	if nb, ok := s.r("r2").nbr("10.255.0.1"); !ok || nb.State != NbrFull {
		t.Errorf("r2's neighbor r1: %+v, want Full", nb)
	}
	if o := r2.Overflow(); !o.Exits.IsZero() || o.Entered != 1 {
		t.Errorf("ExitOverflowInterval 0 (the RFC default) must hold the state until a restart: %+v", o)
	}
}

// TestOverflow_RFC1765_2_4_Leave: here r1's routes reach r2 in the
// database exchange; the refused ones leave r2's request list, so the
// adjacency still reaches Full. With ExitOverflowInterval, r2 leaves
// OverflowState and originates its AS-external-LSAs again once r1 has
// withdrawn enough of its own; those it refused reach it with r1's next
// refresh of them.
func TestOverflow_RFC1765_2_4_Leave(t *testing.T) {
	s := overflowPair(t, 12, 10, 30*time.Second, false)
	r1, r2 := s.r("r1").in, s.r("r2").in
	s.until(30*time.Second, "r2 in OverflowState", func() error {
		if o := r2.Overflow(); !o.Overflow {
			return fmt.Errorf("r2: %+v", o)
		}
		return nil
	})
	for i := range 8 {
		r1.RemoveExternal(netip.PrefixFrom(netip.AddrFrom4([4]byte{198, 18, byte(i), 0}), 24))
	}
	s.until(90*time.Second, "r2 out of OverflowState with its routes re-originated", func() error {
		if o := r2.Overflow(); o.Overflow {
			return fmt.Errorf("r2: %+v", o)
		}
		if got := externalsOf(r1, "10.255.0.2"); got != 2 {
			return fmt.Errorf("r1 holds %d of r2's AS-external-LSAs", got)
		}
		return nil
	})
	// The ones r2 refused come back with r1's refresh of them
	// (LSRefreshTime, §12.4): RFC 1765 leaves the databases different
	// until then.
	s.until(35*time.Minute, "r2 holds r1's remaining routes", func() error {
		if got := externalsOf(r2, "10.255.0.1"); got != 4 {
			return fmt.Errorf("r2 holds %d of r1's 4 remaining", got)
		}
		return nil
	})
	if nb, ok := s.r("r2").nbr("10.255.0.1"); !ok || nb.State != NbrFull {
		t.Errorf("r2's neighbor r1: %+v, want Full", nb)
	}
}

func TestOverflow_Validate(t *testing.T) {
	for _, c := range []struct {
		cfg  Config
		want string
	}{
		{Config{ExternalLSDBLimit: -1}, "ExternalLSDBLimit"},
		{Config{ExitOverflowInterval: -time.Second}, "ExitOverflowInterval"},
	} {
		c.cfg.RouterID = netip.MustParseAddr("10.0.0.1")
		if err := c.cfg.Validate(); !errors.Is(err, ErrInvalidConfig) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: %v, want ErrInvalidConfig naming %s", c.cfg, err, c.want)
		}
	}
}
