//go:build linux

package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"time"

	"github.com/switchless/routing"
	"github.com/switchless/routing/anycast"
	"github.com/switchless/routing/bfd"
	"github.com/switchless/routing/fib"
	"github.com/switchless/routing/internal/bfdconf"
	daemonkit "github.com/switchless/routing/internal/daemon"
	"github.com/switchless/routing/internal/promx"
	"github.com/switchless/routing/ospf"
	"github.com/switchless/routing/rip"
)

// speaker is what announces the service prefixes, with what it runs on.
type speaker struct {
	ann  anycast.Announcer
	rip  *rip.Instance  // speaker rip
	ospf *ospf.Instance // speaker ospf
	bfd  *bfd.Instance  // speaker rip or ospf with bfd on an interface
	sink *fib.Netlink   // rip's or ospf's kernel routes, or the kernel speaker's

	// fib counts the writes to sink, and ospfMetrics times the SPF runs
	// of speaker ospf, for the metrics.
	fib         *promx.FIBCounter
	ospfMetrics *promx.OSPF
}

// stop stops the speaker after the anycast instance: RIP's graceful stop
// (every route once more at metric 16) or OSPF's (every self-originated
// LSA flushed, RFC 2328 §14.1), then BFD (AdminDown), then the kernel
// sink (the speaker's routes deleted).
func (s *speaker) stop() error {
	var errs []error
	if s.rip != nil {
		errs = append(errs, daemonkit.StopGracefully(s.rip.Stop))
	}
	if s.ospf != nil {
		// The anycast instance's last withdrawal originated an LSA a
		// moment ago; a neighbour drops a flush that follows it within
		// MinLSArrival (RFC 2328 §13 (5a)). Drain waits that out and for
		// the acknowledgments before Stop closes the sockets.
		dctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		_ = s.ospf.Drain(dctx)
		cancel()
		errs = append(errs, daemonkit.StopGracefully(s.ospf.Stop))
	}
	errs = append(errs, bfdconf.Close(s.bfd))
	if s.sink != nil {
		errs = append(errs, s.sink.Close())
	}
	return errors.Join(errs...)
}

// run runs anycastd until ctx is done. Start order: the address manager,
// the speaker, the anycast instance; stop order the reverse, the anycast
// instance withdrawing before it removes (Stop waits each service's
// drain_time). A nil log discards. A receive from rl.C (SIGHUP) is a
// reload (see reload).
func run(ctx context.Context, l *Loaded, socket string, log *slog.Logger, rl *daemonkit.Reloads) error {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	nc := l.netlinkConfig()
	nc.Logger = log
	addrs, err := anycast.NewNetlinkAddresses(nc)
	if err != nil {
		return fmt.Errorf("addresses: %w", err)
	}
	defer addrs.Close()

	sp, err := startSpeaker(ctx, l, addrs.Interface(), log)
	if err != nil {
		return err
	}
	defer func() {
		if err := sp.stop(); err != nil {
			log.Error("anycastd: stopping the speaker", "err", err)
		}
	}()

	in, err := anycast.New(l.anycastConfig(), anycast.Env{
		Clock: routing.SystemClock(), Logger: log, Announcer: sp.ann, Addresses: addrs,
		OnEvent: func(e anycast.Event) { logEvent(log, e) },
	})
	if err != nil {
		return err
	}
	rl.Running.Set(rl.Path, rl.Data)
	stopStatus, err := serveStatus(socket, statusSources{speaker: l.speaker(), services: in.Services, rip: sp.rip,
		ospf: sp.ospf, ospfAnnounce: l.ospfAnnounce(), bfd: sp.bfd}, &rl.Running)
	if err != nil {
		return fmt.Errorf("status socket %s: %w", socket, err)
	}
	defer stopStatus()
	stopMetrics, err := serveMetrics(ctx, l, in, sp, log)
	if err != nil {
		return err
	}
	defer stopMetrics()

	if err := in.Start(); err != nil {
		_ = in.Stop(context.Background())
		return err
	}
	log.Info("anycastd running", "socket", socket, "speaker", l.speaker(), "interface", addrs.Interface(), "services", len(l.Services))
	for done := false; !done; {
		select {
		case <-ctx.Done():
			done = true
		case <-rl.C:
			reload(ctx, rl, log, &l, in)
		}
	}
	log.Info("anycastd stopping: withdrawing every prefix, then removing the addresses after the drain time")
	sctx, cancel := context.WithTimeout(context.Background(), stopBudget(l))
	defer cancel()
	return in.Stop(sctx)
}

// stopBudget bounds the anycast instance's Stop: the longest drain time
// and 10 s for the announcer and the address manager.
func stopBudget(l *Loaded) time.Duration {
	var d time.Duration
	for _, s := range l.Services {
		d = max(d, cmp.Or(s.DrainTime, anycast.DefaultDrainTime))
	}
	return d + 10*time.Second
}

func logEvent(log *slog.Logger, e anycast.Event) {
	switch e.Kind {
	case anycast.EventState:
		log.Info("anycast: service "+e.To.String(), "service", e.Service, "from", e.From.String())
	case anycast.EventAnnounce:
		log.Info("anycast: announce", "prefix", e.Prefix, "metric", e.Metric)
	case anycast.EventWithdraw, anycast.EventAliasAdd, anycast.EventAliasRemove:
		log.Info("anycast: "+e.Kind.String(), "prefix", e.Prefix)
	case anycast.EventError:
		log.Warn("anycast: error (retried)", "prefix", e.Prefix, "err", e.Err)
	}
}

// startSpeaker starts the configured speaker; ifname carries the service
// addresses.
func startSpeaker(ctx context.Context, l *Loaded, ifname string, log *slog.Logger) (*speaker, error) {
	switch l.speaker() {
	case speakerKernel:
		return startKernel(ctx, ifname, log)
	case speakerOSPF:
		return startOSPF(ctx, l, log)
	}
	return startRIP(ctx, l, log)
}

// startKernel is the kernel speaker: each announced prefix becomes a route
// of protocol anycast in the main table out of the address interface, its
// metric the route's priority, for a routing daemon on the host that
// redistributes kernel routes.
func startKernel(ctx context.Context, ifname string, log *slog.Logger) (*speaker, error) {
	ifi, err := net.InterfaceByName(ifname)
	if err != nil {
		return nil, fmt.Errorf("addresses: %w", err)
	}
	sink, err := fib.OpenNetlink(ctx, fib.NetlinkConfig{Protocol: fib.ProtocolAnycast, Reclaim: fib.ReclaimDelete, Logger: log})
	if err != nil {
		return nil, err
	}
	counted := promx.NewFIBCounter(sink, "anycast")
	ann := anycast.NewFIBAnnouncer(counted, fib.Route{NextHops: []fib.NextHop{{IfIndex: ifi.Index}}}, 0)
	return &speaker{ann: ann, sink: sink, fib: counted}, nil
}

// startRIP starts the rip block's instance on its interfaces as the kernel
// has them now (an interface missing or without an address is an error:
// unlike ripd, anycastd does not follow interface changes), with BFD
// before it when an interface has bfd.
func startRIP(ctx context.Context, l *Loaded, log *slog.Logger) (_ *speaker, err error) {
	rl := l.RIPConf
	ks, err := daemonkit.ReadKernel()
	if err != nil {
		return nil, err
	}
	prefixes := make([]netip.Prefix, len(rl.Interfaces))
	indexes := make([]int, len(rl.Interfaces))
	for i, ic := range rl.Interfaces {
		li, p, why := ks.Usable(ic.Name, ic.Prefix)
		if why != "" {
			return nil, fmt.Errorf("rip.interfaces[%d] %s: %s", i, ic.Name, why)
		}
		prefixes[i], indexes[i] = p, li.Index
	}
	cfg := rl.RIPConfig(func(i int) netip.Prefix { return prefixes[i] })
	for i := range cfg.Interfaces {
		cfg.Interfaces[i].IfIndex = indexes[i]
	}
	if err := rl.Check(cfg); err != nil {
		return nil, err
	}
	sp := &speaker{}
	defer func() {
		if err != nil {
			_ = sp.stop()
		}
	}()
	if !rl.FIB.Disabled {
		if sp.sink, err = fib.OpenNetlink(ctx, fib.NetlinkConfig{Protocol: fib.ProtocolRIP, RTProtocol: rl.FIB.RTProtocol, Reclaim: fib.ReclaimDelete, Logger: log}); err != nil {
			return nil, err
		}
	}
	if bc := rl.BFDConfig(cfg); len(bc.Interfaces) > 0 {
		if sp.bfd, err = bfdconf.Open(ctx, bc, "", log); err != nil {
			return nil, err
		}
	}
	trs, err := rip.Listen(ctx, &cfg, "", log)
	if err != nil {
		return nil, err
	}
	env := rip.Env{Clock: routing.SystemClock(), Logger: log, Transports: trs, OnEvent: func(e rip.Event) { log.Debug("rip: " + e.String()) }}
	if sp.sink != nil {
		sp.fib = promx.NewFIBCounter(sp.sink, "rip")
		env.FIB = sp.fib
	}
	if sp.bfd != nil {
		env.Liveness = sp.bfd
	}
	in, err := rip.New(cfg, env)
	if err != nil {
		for _, tr := range trs {
			_ = tr.Close()
		}
		return nil, err
	}
	sp.rip, sp.ann = in, in
	if err := in.Start(); err != nil {
		return nil, err
	}
	log.Info("anycastd: rip started", "interfaces", len(cfg.Interfaces), "bfd", sp.bfd != nil)
	return sp, nil
}

// startOSPF starts the ospf block's instance on its interfaces as the
// kernel has them now (as startRIP: an interface missing or without an
// address is an error, and anycastd does not follow interface changes;
// one without carrier starts down), with BFD before it when an interface
// has bfd. The announcer is the ospf_announce mode's.
func startOSPF(ctx context.Context, l *Loaded, log *slog.Logger) (_ *speaker, err error) {
	ol := l.OSPFConf
	ks, err := daemonkit.ReadKernel()
	if err != nil {
		return nil, err
	}
	prefixes := make([]netip.Prefix, len(ol.Interfaces))
	indexes := make([]int, len(ol.Interfaces))
	for i, ic := range ol.Interfaces {
		li, p, why := ks.Usable(ic.Name, ic.Address)
		if why != "" {
			return nil, fmt.Errorf("ospf.interfaces[%d] %s: %s", i, ic.Name, why)
		}
		prefixes[i], indexes[i] = p, li.Index
	}
	cfg, err := ol.OSPFConfig(func(i int) netip.Prefix { return prefixes[i] })
	if err != nil {
		return nil, err
	}
	for i := range cfg.Interfaces {
		cfg.Interfaces[i].IfIndex = indexes[i]
	}
	if err := ol.Check(cfg); err != nil {
		return nil, err
	}
	sp := &speaker{}
	defer func() {
		if err != nil {
			_ = sp.stop()
		}
	}()
	if !ol.FIB.Disabled {
		if sp.sink, err = fib.OpenNetlink(ctx, fib.NetlinkConfig{Protocol: fib.ProtocolOSPF, RTProtocol: ol.FIB.RTProtocol, Reclaim: fib.ReclaimDelete, Logger: log}); err != nil {
			return nil, err
		}
	}
	if bc := ol.BFDConfig(cfg); len(bc.Interfaces) > 0 {
		if sp.bfd, err = bfdconf.Open(ctx, bc, "", log); err != nil {
			return nil, err
		}
	}
	trs, err := ospf.Listen(ctx, &cfg, "", log)
	if err != nil {
		return nil, err
	}
	sp.ospfMetrics = promx.NewOSPF(func() *ospf.Instance { return sp.ospf })
	env := ospf.Env{Clock: routing.SystemClock(), Logger: log, Transports: trs, OnEvent: func(e ospf.Event) {
		sp.ospfMetrics.OnEvent(e)
		log.Debug("ospf: " + e.String())
	}}
	if sp.sink != nil {
		env.FIB = sp.sink // promx.OSPF exports its FIB statistics
	}
	if sp.bfd != nil {
		env.Liveness = sp.bfd
	}
	in, err := ospf.New(cfg, env)
	if err != nil {
		for _, tr := range trs {
			_ = tr.Close()
		}
		return nil, err
	}
	sp.ospf = in
	for _, ic := range cfg.Interfaces {
		if !ks.Links[ic.Name].Up {
			_ = in.InterfaceDown(ic.Name)
		}
	}
	var ann anycast.Announcer
	switch l.ospfAnnounce() {
	case announceStub:
		ann = ospf.StubAnnouncer{Instance: in}
	case announceExternal2:
		ann = ospf.ExternalAnnouncer{Instance: in, MetricType: ospf.MetricType2}
	default:
		ann = ospf.ExternalAnnouncer{Instance: in, MetricType: ospf.MetricType1}
	}
	sp.ann = ann
	if err := in.Start(); err != nil {
		return nil, err
	}
	log.Info("anycastd: ospf started", "router_id", cfg.RouterID, "interfaces", len(cfg.Interfaces), "announce", l.ospfAnnounce(), "bfd", sp.bfd != nil)
	return sp, nil
}
