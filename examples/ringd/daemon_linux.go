//go:build linux

package main

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	daemonkit "github.com/switchless/routing/internal/daemon"
	"github.com/switchless/routing/internal/promx"
	"github.com/switchless/routing/internal/ringconf"
	"github.com/switchless/routing/ospf"
	"github.com/switchless/routing/ring"
)

// maxEvents is how many recent events `ringd show` reports.
const maxEvents = 64

// daemon is one ring node on real interfaces: a ring.HostNode, its
// status socket and its recent events.
type daemon struct {
	c     *ringconf.Config
	log   *slog.Logger
	since time.Time
	host  *ring.HostNode
	node  *ring.Node

	// ospfMetrics reads the node's OSPF instance at scrape time and
	// times its SPF runs.
	ospfMetrics *promx.OSPF

	mu     sync.Mutex   // guards c (replaced by a reload) and events
	events []ring.Event // the last maxEvents
}

// run runs the node until ctx is done, then stops it gracefully.
func run(ctx context.Context, c *ringconf.Config, socket string, log *slog.Logger, rl *daemonkit.Reloads) error {
	d := &daemon{c: c, log: log, since: time.Now()}
	d.ospfMetrics = promx.NewOSPF(d.ospf)
	host, err := ring.OpenHost(ctx, c.Node, ring.HostConfig{Interfaces: c.Linux, MACVLAN: c.VRRPMacvlan, SecondMACVLAN: c.VRRPMacvlanSecond, Logger: log, OnEvent: d.onEvent,
		OnOSPFEvent: d.ospfMetrics.OnEvent, Anycast: c.Ring.HostAnycast(c.Node.Name)})
	if err != nil {
		return fmt.Errorf("%s: %w", c.Path(), err)
	}
	d.host, d.node = host, host.Node()
	rl.Running.Set(rl.Path, rl.Data)
	stopStatus, err := serveStatus(socket, d.status, d.database, &rl.Running)
	if err != nil {
		log.Warn("ringd: no status socket", "socket", socket, "err", err)
	} else {
		defer stopStatus()
	}
	stopMetrics, err := d.serveMetrics(ctx)
	if err != nil {
		_ = host.Close()
		return err
	}
	defer stopMetrics()
	log.Info("ringd running", "node", c.Node.Name, "role", c.Node.Role, "profile", c.Ring.Profile, "socket", socket)
	go func() {
		for {
			select {
			case <-ctx.Done():
				log.Info("ringd stopping: VRRP priority 0, static default withdrawn, OSPF LSAs flushed and routes deleted")
				return
			case <-rl.C:
				d.reload(ctx, rl)
			}
		}
	}()
	return host.Run(ctx)
}

// onEvent records and logs the node's events. It is called from the
// node's goroutines and must not call the node.
func (d *daemon) onEvent(e ring.Event) {
	d.log.Info("ringd event", "kind", e.Kind.String(), "text", e.Text)
	d.mu.Lock()
	d.events = append(d.events, e)
	if len(d.events) > maxEvents {
		d.events = slices.Delete(d.events, 0, len(d.events)-maxEvents)
	}
	d.mu.Unlock()
}

// database is the node's OSPF database, for the database view.
func (d *daemon) database() []LSAView {
	in := d.node.OSPF()
	if in == nil {
		return nil // a chain node runs no OSPF
	}
	return lsaViews(in.LSDB(ospf.LSDBFilter{}))
}

// status reports the node's state.
func (d *daemon) status() Status {
	nc := d.node.Config()
	in := d.node.OSPF() // nil at a chain node: static routes only
	st := Status{Node: nc.Name, Role: nc.Role.String(), Profile: d.config().Ring.Profile.String(),
		Since: d.since, Transports: d.host.TransportStats(),
		BFDTimers: bfdTimers(nc.Timers), BFD: bfdViews(d.node.BFDSessions())}
	ospfState, dropped := map[string]string{}, map[string]map[string]uint64{}
	if in != nil {
		st.RouterID = in.RouterID()
		for _, s := range in.Interfaces() {
			ospfState[s.Name] = s.State.String()
			dropped[s.Name] = daemonkit.EnumCounts(s.Stats.Dropped)
		}
	}
	links := d.host.Links()
	for i, ifc := range nc.Interfaces {
		l := links[i]
		st.Interfaces = append(st.Interfaces, IfaceStatus{Name: ifc.Name, Linux: l.Linux, IfIndex: l.IfIndex,
			Kind: ifc.Kind.String(), Prefix: ifc.Prefix, Cost: ifc.Cost, Carrier: l.Carrier, OSPF: ospfState[ifc.Name],
			Dropped: dropped[ifc.Name]})
	}
	d.mu.Lock()
	for _, e := range d.events {
		st.Events = append(st.Events, eventView(e))
	}
	d.mu.Unlock()
	if in != nil {
		st.Neighbors = neighborViews(in.Neighbors())
		st.Routes = routeViews(in.RoutingTable())
	} else {
		st.Profile = nc.Topology.String() // a chain: no timers to speak of
	}
	if r := d.node.VRRP(); r != nil {
		st.VRRP = vrrpView(r.Status())
	}
	if rs := d.node.VRRPRouters(); len(rs) > 1 {
		st.VRRPSecond = vrrpView(rs[1].Status())
	}
	if nc.IsEdge() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		on, _ := d.host.StaticInstalled(ctx)
		cancel()
		st.Static = &on
	}
	return st
}
