//go:build linux

package ring

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"strconv"

	"github.com/switchless/routing"
	"github.com/switchless/routing/anycast"
	"github.com/switchless/routing/fib"
	"github.com/switchless/routing/health"
	"github.com/switchless/routing/ospf"
)

// openAnycast makes the anycast instance of a replica node (scenario S5
// on a host): the check of hc.Anycast, the node's OSPF instance and a
// static route VIP → server on lan0 (in the node's static sink, shared
// with an edge's default: two sinks with one RTProtocol would take each
// other's routes) as announcer, and no address of its own, since the
// server holds the VIP. It runs from Run, started after the node.
func (h *HostNode) openAnycast(ctx context.Context) error {
	a := h.hc.Anycast
	if a == nil {
		return nil
	}
	if h.static == nil {
		st, err := fib.OpenNetlink(ctx, fib.NetlinkConfig{Protocol: fib.ProtocolStatic, Logger: h.log})
		if err != nil {
			return err
		}
		h.static = st
		h.closers = append(h.closers, st.Close)
	}
	check := a.Check
	if check == nil {
		c, err := anycast.NewChecker(anycast.CheckConfig{Type: "tcp_banner", Address: net.JoinHostPort(a.Server.String(), strconv.Itoa(25))})
		if err != nil {
			return err
		}
		check = c
	}
	interval, rise, fall := a.Interval, a.Rise, a.Fall
	if interval == 0 || rise == 0 || fall == 0 {
		di, dr, df := ProfileRFC.anycastTiming()
		interval, rise, fall = cmpOr(interval, di), cmpOr(rise, dr), cmpOr(fall, df)
	}
	cfg := anycast.Config{Services: []anycast.ServiceConfig{{
		Name: "s5", Prefixes: []netip.Prefix{netip.PrefixFrom(a.VIP, 32)},
		Checkers: []health.Checker{check},
		Interval: interval, Rise: rise, Fall: fall, DrainTime: interval,
	}}}
	ann := &hostAnycastAnnouncer{ospf: h.node.OSPF(), static: h.static, route: fib.Route{
		NextHops: []fib.NextHop{{Gateway: a.Server, IfIndex: h.idx[LANName(0)]}},
		Protocol: fib.ProtocolStatic, Metric: StaticMetric,
	}}
	clock := routing.SystemClock()
	ac, err := anycast.New(cfg, anycast.Env{Clock: clock, Logger: h.log, Announcer: ann,
		Addresses: anycast.NewMemoryAddresses(clock, nil),
		OnEvent: func(e anycast.Event) {
			text := fmt.Sprintf("%v %v", e.Kind, e.Prefix)
			if e.Kind == anycast.EventState {
				text = fmt.Sprintf("service %s at %v %v -> %v", e.Service, a.Server, e.From, e.To)
			}
			h.log.Info("ring: anycast", "text", text)
			if h.hc.OnEvent != nil {
				h.hc.OnEvent(Event{Kind: EventAnycast, Node: h.cfg.Name, Text: text})
			}
		}})
	if err != nil {
		return fmt.Errorf("ring: anycast: %w", err)
	}
	h.anycast = ac
	return nil
}

func cmpOr[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}

// hostAnycastAnnouncer is a replica node's announcer on a host, as
// simAnycastAnnouncer: the static route first, then the LSA; withdrawn in
// the same order, so the node forwards VIP traffic along OSPF's route to
// the other replica at once.
type hostAnycastAnnouncer struct {
	ospf   *ospf.Instance
	static fib.Sink
	route  fib.Route
}

var _ anycast.Announcer = (*hostAnycastAnnouncer)(nil)

func (a *hostAnycastAnnouncer) AnnouncePrefix(p netip.Prefix, metric uint32) error {
	r := a.route
	r.Prefix = p
	if err := a.static.Replace(context.Background(), r); err != nil {
		return err
	}
	return a.ospf.AnnouncePrefix(p, metric)
}

func (a *hostAnycastAnnouncer) WithdrawPrefix(p netip.Prefix) error {
	if err := a.static.Delete(context.Background(), p, 0); err != nil {
		return err
	}
	return a.ospf.WithdrawPrefix(p)
}
