package main

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"strings"
	"time"

	"github.com/switchless/routing/bfd"
	"github.com/switchless/routing/internal/bfdconf"
	daemonkit "github.com/switchless/routing/internal/daemon"
	"github.com/switchless/routing/ospf"
	"github.com/switchless/routing/ospf/packet"
)

// The status protocol: a client connects to the unix socket, writes one
// line naming a view (neighbors, database, routes, interfaces, spf, bfd),
// and reads the JSON answer until the server closes the connection.

// views are the names `ospfd show` accepts.
var views = []string{"neighbors", "database", "routes", "interfaces", "spf", "bfd", "config"}

// NeighborView is one neighbor in the status answer.
type NeighborView struct {
	Interface   string             `json:"interface"`
	RouterID    netip.Addr         `json:"router_id"`
	Address     netip.Addr         `json:"address"`
	State       string             `json:"state"`
	Priority    uint8              `json:"priority"`
	DR          netip.Addr         `json:"dr,omitzero"`
	BDR         netip.Addr         `json:"bdr,omitzero"`
	DeadIn      daemonkit.Duration `json:"dead_in"`
	RequestList int                `json:"request_list"`
	Retransmit  int                `json:"retransmit_list"`
	// BFD is none (no session watches it), waiting or up (RFC 5882).
	BFD string `json:"bfd"`
}

// LSAView is one LSA of the database in the status answer.
type LSAView struct {
	Type      string     `json:"type"`
	ID        netip.Addr `json:"id"`
	AdvRouter netip.Addr `json:"adv_router"`
	// Age is the LS age (RFC 2328 §12.1.1), whole seconds.
	Age      daemonkit.Duration `json:"age"`
	Seq      string             `json:"seq"`
	Checksum string             `json:"checksum"`
	Length   uint16             `json:"length"`
	Self     bool               `json:"self,omitempty"`
	Summary  string             `json:"summary"`
}

// InterfaceView is one interface in the status answer.
type InterfaceView struct {
	Name      string       `json:"name"`
	IfIndex   int          `json:"ifindex"`
	Prefix    netip.Prefix `json:"prefix"`
	Network   string       `json:"network"`
	State     string       `json:"state"`
	Cost      uint16       `json:"cost"`
	DR        netip.Addr   `json:"dr,omitzero"`
	BDR       netip.Addr   `json:"bdr,omitzero"`
	Neighbors int          `json:"neighbors"`
	Adjacent  int          `json:"adjacent"`
	// Dropped counts the packets (and LSAs) the interface dropped, by
	// reason (ospf.DropReason's names, as in the logs and as vrrpd and
	// ripd name theirs); reasons never seen are absent.
	Dropped map[string]uint64 `json:"dropped,omitempty"`
}

// SPFView is the spf view.
type SPFView struct {
	RouterID  netip.Addr     `json:"router_id"`
	SPF       SPFStatusView  `json:"spf"`
	FIB       ospf.FIBStats  `json:"fib"`
	Externals []ExternalView `json:"externals"`
}

// SPFStatusView is ospf.SPFStatus in the JSON convention.
type SPFStatusView struct {
	// State is the RFC 8405 back-off state: quiet, short_wait or
	// long_wait.
	State        string             `json:"state"`
	Pending      bool               `json:"pending"`
	Due          time.Time          `json:"due,omitzero"`
	Events       uint64             `json:"events"`
	Runs         uint64             `json:"runs"`
	ExternalRuns uint64             `json:"external_runs"`
	LastRun      time.Time          `json:"last_run,omitzero"`
	LastDuration daemonkit.Duration `json:"last_duration"`
}

// ExternalView is one redistributed route (ospf.ExternalRoute).
type ExternalView struct {
	Prefix     netip.Prefix `json:"prefix"`
	Metric     uint32       `json:"metric"`
	MetricType string       `json:"metric_type"`
	Tag        uint32       `json:"tag"`
	Forwarding netip.Addr   `json:"forwarding,omitzero"`
}

// RoutesView is the routes view: the OSPF routing table (RFC 2328 §11).
type RoutesView struct {
	Routes  []RouteView       `json:"routes"`
	Routers []RouterRouteView `json:"routers"`
}

// RouteView is one network entry of the routing table.
type RouteView struct {
	Prefix netip.Prefix `json:"prefix"`
	// PathType is intra-area, inter-area, external-1 or external-2 as
	// ospf.PathType spells them, lower-case.
	PathType   string         `json:"path_type"`
	Area       netip.Addr     `json:"area,omitzero"`
	Cost       uint32         `json:"cost"`
	Type2Cost  uint32         `json:"type2_cost,omitempty"`
	Tag        uint32         `json:"tag,omitempty"`
	AdvRouter  netip.Addr     `json:"adv_router,omitzero"`
	Forwarding netip.Addr     `json:"forwarding,omitzero"`
	Connected  bool           `json:"connected,omitempty"`
	NextHops   []ospf.NextHop `json:"next_hops"`
}

// RouterRouteView is an area border or AS boundary router entry.
type RouterRouteView struct {
	RouterID netip.Addr     `json:"router_id"`
	Flags    string         `json:"flags"`
	Area     netip.Addr     `json:"area"`
	Cost     uint32         `json:"cost"`
	NextHops []ospf.NextHop `json:"next_hops"`
}

func spfView(in *ospf.Instance) SPFView {
	s := in.SPFStatus()
	v := SPFView{RouterID: in.RouterID(), FIB: in.FIBStats(), Externals: []ExternalView{},
		SPF: SPFStatusView{State: daemonkit.Enum(s.State), Pending: s.Pending, Due: s.Due, Events: s.Events, Runs: s.Runs,
			ExternalRuns: s.ExternalRuns, LastRun: s.LastRun, LastDuration: daemonkit.Duration(s.LastDuration)}}
	for _, e := range in.ExternalRoutes() {
		v.Externals = append(v.Externals, ExternalView{Prefix: e.Prefix, Metric: e.Metric, MetricType: daemonkit.Enum(e.MetricType), Tag: e.Tag, Forwarding: e.Forwarding})
	}
	return v
}

func routesView(rt ospf.RoutingTable) RoutesView {
	v := RoutesView{Routes: []RouteView{}, Routers: []RouterRouteView{}}
	for _, r := range rt.Routes {
		v.Routes = append(v.Routes, RouteView{Prefix: r.Prefix, PathType: daemonkit.Enum(r.PathType), Area: r.Area, Cost: r.Cost,
			Type2Cost: r.Type2Cost, Tag: r.Tag, AdvRouter: r.AdvRouter, Forwarding: r.Forwarding, Connected: r.Connected,
			NextHops: append([]ospf.NextHop{}, r.NextHops...)})
	}
	for _, r := range rt.Routers {
		v.Routers = append(v.Routers, RouterRouteView{RouterID: r.RouterID, Flags: r.Flags.String(), Area: r.Area, Cost: r.Cost,
			NextHops: append([]ospf.NextHop{}, r.NextHops...)})
	}
	return v
}

// known is a, or the zero Addr for 0.0.0.0 (no DR): left out of the
// JSON.
func known(a netip.Addr) netip.Addr {
	if a.IsUnspecified() {
		return netip.Addr{}
	}
	return a
}

// addrOrDash prints an address, "-" when there is none (a DR on a
// point-to-point link).
func addrOrDash(a netip.Addr) string {
	if !a.IsValid() || a.IsUnspecified() {
		return "-"
	}
	return a.String()
}

func neighborViews(ns []ospf.NeighborStatus) []NeighborView {
	out := make([]NeighborView, 0, len(ns))
	for _, n := range ns {
		out = append(out, NeighborView{
			Interface: n.Interface, RouterID: n.RouterID, Address: n.Addr, State: daemonkit.Enum(n.State),
			Priority: n.Priority, DR: known(n.DR), BDR: known(n.BDR), DeadIn: daemonkit.Duration(n.DeadIn.Round(time.Millisecond)),
			RequestList: n.RequestList, Retransmit: n.RetransmitList, BFD: daemonkit.Enum(n.BFD),
		})
	}
	return out
}

func lsaViews(es []ospf.LSAEntry) []LSAView {
	out := make([]LSAView, 0, len(es))
	for _, e := range es {
		h := e.LSA.Header
		out = append(out, LSAView{
			Type: daemonkit.Enum(h.Type), ID: h.ID, AdvRouter: h.AdvRouter, Age: daemonkit.Duration(time.Duration(h.Age&^packet.DoNotAge) * time.Second),
			Seq: fmt.Sprintf("%#08x", uint32(h.Seq)), Checksum: fmt.Sprintf("%#04x", h.Checksum),
			Length: h.Length, Self: e.SelfOriginated, Summary: lsaSummary(&e.LSA),
		})
	}
	return out
}

// lsaSummary describes an LSA's body in a few words.
func lsaSummary(l *packet.LSA) string {
	switch l.Header.Type {
	case packet.LSTypeRouter:
		return fmt.Sprintf("flags %v, %d links", l.Router.Flags, len(l.Router.Links))
	case packet.LSTypeNetwork:
		bits, _ := packet.MaskBits(l.Network.NetworkMask)
		return fmt.Sprintf("/%d, %d routers", bits, len(l.Network.AttachedRouters))
	case packet.LSTypeASExternal, packet.LSTypeNSSA:
		p, _ := l.Prefix()
		t := 1
		if l.External.E {
			t = 2
		}
		return fmt.Sprintf("%v E%d metric %d tag %d", p, t, l.External.Metric, l.External.RouteTag)
	}
	return ""
}

func interfaceViews(is []ospf.InterfaceStatus) []InterfaceView {
	out := make([]InterfaceView, 0, len(is))
	for _, s := range is {
		out = append(out, InterfaceView{
			Name: s.Name, IfIndex: s.IfIndex, Prefix: s.Prefix, Network: daemonkit.Enum(s.Network), State: daemonkit.Enum(s.State),
			Cost: s.Cost, DR: known(s.DR), BDR: known(s.BDR), Neighbors: s.Neighbors, Adjacent: s.Adjacent,
			Dropped: daemonkit.EnumCounts(s.Stats.Dropped),
		})
	}
	return out
}

// answer returns the JSON-able value of a view of in (nil: not running)
// and its BFD (nil: no interface has bfd).
func answer(in *ospf.Instance, bin *bfd.Instance, view string) (any, error) {
	if view == "bfd" {
		return bfdconf.Answer(bin), nil
	}
	if in == nil {
		return nil, errors.New("no OSPF instance running (no interface has an address yet)")
	}
	switch view {
	case "neighbors":
		return neighborViews(in.Neighbors()), nil
	case "database":
		return lsaViews(in.LSDB(ospf.LSDBFilter{})), nil
	case "routes":
		return routesView(in.RoutingTable()), nil
	case "interfaces":
		return interfaceViews(in.Interfaces()), nil
	case "spf":
		return spfView(in), nil
	}
	return nil, fmt.Errorf("unknown view %q (want one of %s)", view, strings.Join(views, ", "))
}

// serveStatus answers connections on the unix socket path until stop is
// called. current returns the running instance (nil when none),
// currentBFD its BFD, and running the configuration `show config` prints.
func serveStatus(path string, current func() *ospf.Instance, currentBFD func() *bfd.Instance, running *daemonkit.RunningConfig) (stop func(), err error) {
	return daemonkit.ServeViews(path, func(view string) (any, error) {
		if view == "config" {
			return running.View(), nil
		}
		return answer(current(), currentBFD(), view)
	})
}

// show prints a view as indented JSON or as a table.
func show(w io.Writer, view string, data json.RawMessage, asJSON bool) error {
	switch view {
	case "bfd":
		return bfdconf.Show(w, data, asJSON)
	case "config":
		return daemonkit.ShowConfig(w, data, asJSON)
	}
	if asJSON {
		return daemonkit.PrintJSON(w, data)
	}
	tw := daemonkit.NewTable(w)
	switch view {
	case "neighbors":
		var ns []NeighborView
		if err := json.Unmarshal(data, &ns); err != nil {
			return err
		}
		fmt.Fprintln(tw, "NEIGHBOR ID\tPRI\tSTATE\tDEAD IN\tADDRESS\tINTERFACE\tRXMT\tREQ\tBFD")
		for _, n := range ns {
			fmt.Fprintf(tw, "%v\t%d\t%s\t%v\t%v\t%s\t%d\t%d\t%s\n", n.RouterID, n.Priority, n.State, n.DeadIn, n.Address, n.Interface, n.Retransmit, n.RequestList, n.BFD)
		}
	case "database":
		var ls []LSAView
		if err := json.Unmarshal(data, &ls); err != nil {
			return err
		}
		fmt.Fprintln(tw, "TYPE\tLINK ID\tADV ROUTER\tAGE\tSEQ\tCHECKSUM\tSUMMARY")
		for _, l := range ls {
			fmt.Fprintf(tw, "%s\t%v\t%v\t%d\t%s\t%s\t%s\n", l.Type, l.ID, l.AdvRouter, int(time.Duration(l.Age).Seconds()), l.Seq, l.Checksum, l.Summary)
		}
	case "routes":
		var rt RoutesView
		if err := json.Unmarshal(data, &rt); err != nil {
			return err
		}
		fmt.Fprintln(tw, "PREFIX\tTYPE\tCOST\tNEXT HOPS")
		for _, r := range rt.Routes {
			cost := fmt.Sprint(r.Cost)
			if r.PathType == daemonkit.Enum(ospf.PathExternal2) {
				cost = fmt.Sprintf("%d/%d", r.Cost, r.Type2Cost)
			}
			var hops []string
			for _, h := range r.NextHops {
				if h.Gateway.IsValid() {
					hops = append(hops, fmt.Sprintf("via %v %s", h.Gateway, h.Interface))
				} else {
					hops = append(hops, "directly attached to "+h.Interface)
				}
			}
			if len(hops) == 0 {
				hops = []string{"local"}
			}
			fmt.Fprintf(tw, "%v\t%s\t%s\t%s\n", r.Prefix, r.PathType, cost, strings.Join(hops, ", "))
		}
		for _, r := range rt.Routers {
			fmt.Fprintf(tw, "router %v\t%s\t%d\t%d next hops\n", r.RouterID, cmp.Or(r.Flags, "-"), r.Cost, len(r.NextHops))
		}
	case "interfaces":
		var is []InterfaceView
		if err := json.Unmarshal(data, &is); err != nil {
			return err
		}
		fmt.Fprintln(tw, "NAME\tPREFIX\tNETWORK\tSTATE\tCOST\tDR\tBDR\tNBRS\tADJ")
		for _, s := range is {
			fmt.Fprintf(tw, "%s\t%v\t%s\t%s\t%d\t%s\t%s\t%d\t%d\n", s.Name, s.Prefix, s.Network, s.State, s.Cost, addrOrDash(s.DR), addrOrDash(s.BDR), s.Neighbors, s.Adjacent)
		}
	case "spf":
		var s SPFView
		if err := json.Unmarshal(data, &s); err != nil {
			return err
		}
		fmt.Fprintf(tw, "router ID\t%v\n", s.RouterID)
		fmt.Fprintf(tw, "SPF state\t%v (pending %v)\n", s.SPF.State, s.SPF.Pending)
		fmt.Fprintf(tw, "SPF runs\t%d full, %d external-only, %d events\n", s.SPF.Runs, s.SPF.ExternalRuns, s.SPF.Events)
		last := "never"
		if !s.SPF.LastRun.IsZero() {
			last = fmt.Sprintf("%s, took %v", s.SPF.LastRun.Format(time.RFC3339Nano), s.SPF.LastDuration)
		}
		fmt.Fprintf(tw, "last SPF\t%s\n", last)
		fmt.Fprintf(tw, "FIB\t%d routes, %d replaced, %d deleted, %d errors %s\n", s.FIB.Routes, s.FIB.Replaced, s.FIB.Deleted, s.FIB.Errors, s.FIB.LastError)
		for _, e := range s.Externals {
			fmt.Fprintf(tw, "external\t%v metric %d type %s tag %d\n", e.Prefix, e.Metric, e.MetricType, e.Tag)
		}
	default:
		return fmt.Errorf("unknown view %q", view)
	}
	return tw.Flush()
}
