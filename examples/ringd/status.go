package main

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/switchless/routing/bfd"
	daemonkit "github.com/switchless/routing/internal/daemon"
	"github.com/switchless/routing/ospf"
	"github.com/switchless/routing/ospf/packet"
	"github.com/switchless/routing/ring"
	"github.com/switchless/routing/vrrp"
)

// The status protocol, as vrrpd's: a client connects to the unix socket
// and reads one JSON Status; the server closes the connection.

// Status is what `ringd show` prints.
type Status struct {
	Node       string         `json:"node"`
	Role       string         `json:"role"`
	Profile    string         `json:"profile"`
	RouterID   netip.Addr     `json:"router_id"`
	Since      time.Time      `json:"since,omitzero"`
	Interfaces []IfaceStatus  `json:"interfaces"`
	Neighbors  []NeighborView `json:"neighbors"`
	Routes     []RouteView    `json:"routes"`
	Static     *bool          `json:"static_default,omitempty"` // edges only
	VRRP       *VRRPView      `json:"vrrp,omitempty"`           // edges only
	// VRRPSecond is an active-active edge's second group (upstream.second).
	VRRPSecond *VRRPView `json:"vrrp_second,omitempty"`
	// BFDTimers says the BFD timers of the ring links ("50ms × 3"), or
	// "off"; BFD has one entry per session.
	BFDTimers string      `json:"bfd_timers"`
	BFD       []BFDView   `json:"bfd"`
	Events    []EventView `json:"events"`
	// Transports counts each raw socket's traffic ("ospf/east",
	// "vrrp/up"); the answer carries them as TransportCounters.
	Transports        map[string]ring.TransportStats `json:"-"`
	TransportCounters map[string]TransportView       `json:"transports,omitempty"`
}

// TransportView is ring.TransportStats in the status answer.
type TransportView struct {
	Received         uint64 `json:"received"`
	Delivered        uint64 `json:"delivered"`
	DroppedOwn       uint64 `json:"dropped_own"`
	DroppedMalformed uint64 `json:"dropped_malformed"`
	DroppedInterface uint64 `json:"dropped_interface"`
	ReadErrors       uint64 `json:"read_errors"`
	Sent             uint64 `json:"sent"`
	SendErrors       uint64 `json:"send_errors"`
}

// answer is st as the status socket serves it, in the daemons' JSON
// convention (see daemonkit.LintJSON): enum words lower-case, the
// transports' counters snake_case.
func (st Status) answer() Status {
	st.Role = strings.ToLower(st.Role)
	st.Interfaces = slices.Clone(st.Interfaces)
	for i := range st.Interfaces {
		st.Interfaces[i].Kind = strings.ToLower(st.Interfaces[i].Kind)
		st.Interfaces[i].OSPF = strings.ToLower(st.Interfaces[i].OSPF)
	}
	st.Events = slices.Clone(st.Events)
	for i := range st.Events {
		st.Events[i].Kind = strings.ToLower(st.Events[i].Kind)
	}
	if st.Transports != nil {
		st.TransportCounters = map[string]TransportView{}
		for k, t := range st.Transports {
			st.TransportCounters[k] = TransportView{Received: t.Received, Delivered: t.Delivered, DroppedOwn: t.DroppedOwn,
				DroppedMalformed: t.DroppedMalformed, DroppedInterface: t.DroppedInterface, ReadErrors: t.ReadErrors,
				Sent: t.Sent, SendErrors: t.SendErrors}
		}
	}
	return st
}

// IfaceStatus is one ring interface.
type IfaceStatus struct {
	Name    string       `json:"name"`
	Linux   string       `json:"linux"`
	IfIndex int          `json:"ifindex"`
	Kind    string       `json:"kind"`
	Prefix  netip.Prefix `json:"prefix"`
	Cost    uint16       `json:"cost,omitempty"`
	Carrier bool         `json:"carrier"`
	OSPF    string       `json:"ospf_state,omitempty"`
	// Dropped counts the OSPF packets (and LSAs) the interface dropped,
	// by reason, as ospfd's interfaces view.
	Dropped map[string]uint64 `json:"dropped,omitempty"`
}

// NeighborView is one OSPF neighbor.
type NeighborView struct {
	Interface string             `json:"interface"`
	RouterID  netip.Addr         `json:"router_id"`
	Address   netip.Addr         `json:"address"`
	State     string             `json:"state"`
	DeadIn    daemonkit.Duration `json:"dead_in"`
	// BFD is what BFD last said of the neighbor's session: none,
	// waiting or up.
	BFD string `json:"bfd"`
}

// BFDView is one BFD session of a ring link.
type BFDView struct {
	Interface   string     `json:"interface"`
	Peer        netip.Addr `json:"peer"`
	State       string     `json:"state"`
	RemoteState string     `json:"remote_state"`
	// TxInterval is the negotiated transmit interval, DetectTime the
	// detection time of the peer (RFC 5880 §6.8.4).
	TxInterval   daemonkit.Duration `json:"tx_interval"`
	DetectTime   daemonkit.Duration `json:"detect_time"`
	LocalDisc    uint32             `json:"local_discriminator"`
	RemoteDisc   uint32             `json:"remote_discriminator"`
	LastDownDiag string             `json:"last_down_diag"`
	// Since is when the session entered its state.
	Since    time.Time   `json:"since,omitzero"`
	Clients  int         `json:"clients"`
	Counters BFDCounters `json:"counters"`
}

// BFDCounters are a session's counters (bfd.SessionCounters).
type BFDCounters struct {
	Sent          uint64 `json:"sent"`
	Received      uint64 `json:"received"`
	Ups           uint64 `json:"ups"`
	Downs         uint64 `json:"downs"`
	PollSequences uint64 `json:"poll_sequences"`
}

func bfdViews(ss []bfd.SessionInfo) []BFDView {
	out := make([]BFDView, 0, len(ss))
	for _, s := range ss {
		out = append(out, BFDView{Interface: s.Interface, Peer: s.Peer, State: daemonkit.Enum(s.State), RemoteState: daemonkit.Enum(s.RemoteState),
			TxInterval: daemonkit.Duration(s.TxInterval), DetectTime: daemonkit.Duration(s.DetectTime),
			LocalDisc: s.LocalDisc, RemoteDisc: s.RemoteDisc, LastDownDiag: daemonkit.Enum(s.LastDownDiag),
			Since: s.Since, Clients: s.Clients, Counters: BFDCounters{Sent: s.Counters.Sent, Received: s.Counters.Received,
				Ups: s.Counters.Ups, Downs: s.Counters.Downs, PollSequences: s.Counters.PollSequences}})
	}
	return out
}

// bfdTimers describes the node's BFD timers.
func bfdTimers(t ring.Timers) string {
	if t.BFDInterval <= 0 {
		return "off"
	}
	return fmt.Sprintf("%v × %d", t.BFDInterval, int(t.BFDDetectTime()/t.BFDInterval))
}

// RouteView is one OSPF route.
type RouteView struct {
	Prefix   netip.Prefix `json:"prefix"`
	Type     string       `json:"type"`
	Cost     string       `json:"cost"`
	NextHops []string     `json:"nexthops"`
}

// VRRPView is the edge's virtual router.
type VRRPView struct {
	VRID uint8 `json:"vrid"`
	// Version is 2 (RFC 3768) or 3 (RFC 5798).
	Version            int                `json:"version"`
	State              string             `json:"state"`
	Master             netip.Addr         `json:"master,omitzero"`
	VirtualAddresses   []netip.Addr       `json:"virtual_addresses"`
	ConfiguredPriority uint8              `json:"configured_priority"`
	Priority           uint8              `json:"priority"`
	Forced             bool               `json:"forced,omitempty"`
	Interval           daemonkit.Duration `json:"interval"`
	MasterDownInterval daemonkit.Duration `json:"master_down_interval"`
	Tracks             []TrackView        `json:"tracks"`
	Received           uint64             `json:"received"`
	Sent               uint64             `json:"sent"`
	Transitions        uint64             `json:"transitions"`
	Drops              map[string]uint64  `json:"drops,omitempty"`
	// Conflicts are the routers heard on the upstream LAN that disagree
	// with ours (our VRID, another address list or interval; a
	// priority-255 claim from a non-owner): virtual-MAC hygiene.
	Conflicts []daemonkit.ConflictView `json:"conflicts,omitempty"`
}

// TrackView is one tracked object of the virtual router.
type TrackView struct {
	Name      string `json:"name"`
	Up        bool   `json:"up"`
	Weight    int    `json:"weight"`
	Changes   uint64 `json:"changes"`
	LastError string `json:"last_error,omitempty"`
}

func vrrpView(s vrrp.Status) *VRRPView {
	v := &VRRPView{VRID: s.VRID, Version: int(s.Version), State: daemonkit.Enum(s.State), Master: s.Master,
		VirtualAddresses: s.VirtualAddresses, ConfiguredPriority: s.ConfiguredPriority, Priority: s.Priority,
		Forced: s.Forced, Interval: daemonkit.Duration(s.Interval), MasterDownInterval: daemonkit.Duration(s.MasterDownInterval),
		Tracks: []TrackView{}, Received: s.Counters.Received, Sent: s.Counters.Sent, Transitions: s.Counters.Transitions,
		Conflicts: daemonkit.ConflictViews(s.Conflicts)}
	for _, t := range s.Tracks {
		v.Tracks = append(v.Tracks, TrackView{Name: t.Name, Up: t.Up, Weight: t.Weight, Changes: t.Changes, LastError: t.LastErr})
	}
	v.Drops = daemonkit.EnumCounts(s.Counters.Drops)
	return v
}

// EventView is one recent event of the node.
type EventView struct {
	Time time.Time `json:"time"`
	Kind string    `json:"kind"`
	Text string    `json:"text"`
}

func neighborViews(ns []ospf.NeighborStatus) []NeighborView {
	out := make([]NeighborView, 0, len(ns))
	for _, n := range ns {
		out = append(out, NeighborView{Interface: n.Interface, RouterID: n.RouterID, Address: n.Addr,
			State: daemonkit.Enum(n.State), DeadIn: daemonkit.Duration(n.DeadIn.Round(time.Millisecond)), BFD: daemonkit.Enum(n.BFD)})
	}
	return out
}

func routeViews(rt ospf.RoutingTable) []RouteView {
	out := make([]RouteView, 0, len(rt.Routes))
	for _, r := range rt.Routes {
		cost := fmt.Sprint(r.Cost)
		if r.PathType == ospf.PathExternal2 {
			cost = fmt.Sprintf("%d/%d", r.Cost, r.Type2Cost)
		}
		var hops []string
		for _, h := range r.NextHops {
			if h.Gateway.IsValid() {
				hops = append(hops, fmt.Sprintf("via %v %s", h.Gateway, h.Interface))
			} else {
				hops = append(hops, "dev "+h.Interface)
			}
		}
		if r.Connected {
			hops = []string{"connected"}
		}
		out = append(out, RouteView{Prefix: r.Prefix, Type: daemonkit.Enum(r.PathType), Cost: cost, NextHops: hops})
	}
	return out
}

func eventView(e ring.Event) EventView {
	return EventView{Time: e.Time, Kind: daemonkit.Enum(e.Kind), Text: e.Text}
}

// LSAView is one LSA of the node's OSPF database (the database view):
// its identity and instance (RFC 2328 §12.1: type, link state ID,
// advertising router; sequence number and checksum), so that the
// databases of two nodes can be compared.
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
}

func lsaViews(es []ospf.LSAEntry) []LSAView {
	out := make([]LSAView, 0, len(es))
	for _, e := range es {
		h := e.LSA.Header
		out = append(out, LSAView{Type: daemonkit.Enum(h.Type), ID: h.ID, AdvRouter: h.AdvRouter,
			Age: daemonkit.Duration(time.Duration(h.Age&^packet.DoNotAge) * time.Second),
			Seq: fmt.Sprintf("%#08x", uint32(h.Seq)), Checksum: fmt.Sprintf("%#04x", h.Checksum),
			Length: h.Length, Self: e.SelfOriginated})
	}
	return out
}

// serveStatus answers the views on the unix socket path until stop is
// called: node, the JSON status; database, the OSPF database; and
// config, running (the file `show config` prints).
func serveStatus(path string, status func() Status, database func() []LSAView, running *daemonkit.RunningConfig) (stop func(), err error) {
	return daemonkit.ServeViews(path, func(view string) (any, error) {
		switch view {
		case "node":
			return status().answer(), nil
		case "database":
			return database(), nil
		case "config":
			return running.View(), nil
		}
		return nil, fmt.Errorf("unknown view %q (want node, database or config)", view)
	})
}

// printDatabase prints the database view as indented JSON or as a table.
func printDatabase(w io.Writer, raw []byte, asJSON bool) error {
	if asJSON {
		return daemonkit.PrintJSON(w, raw)
	}
	var ls []LSAView
	if err := json.Unmarshal(raw, &ls); err != nil {
		return fmt.Errorf("bad database answer: %w", err)
	}
	tw := daemonkit.NewTable(w)
	fmt.Fprintln(tw, "TYPE\tLINK ID\tADV ROUTER\tAGE\tSEQ\tCHECKSUM")
	for _, l := range ls {
		fmt.Fprintf(tw, "%s\t%v\t%v\t%d\t%s\t%s\n", l.Type, l.ID, l.AdvRouter, int(time.Duration(l.Age).Seconds()), l.Seq, l.Checksum)
	}
	return tw.Flush()
}

// fetchStatus asks a running ringd for its status.
func fetchStatus(ctx context.Context, path string) (Status, []byte, error) {
	raw, err := daemonkit.FetchView(ctx, path, "node")
	if err != nil {
		return Status{}, nil, err
	}
	var st Status
	if err := json.Unmarshal(raw, &st); err != nil {
		return Status{}, nil, fmt.Errorf("bad status answer: %w", err)
	}
	return st, raw, nil
}

// printStatus prints the status as indented JSON or as tables.
func printStatus(w io.Writer, st Status, raw []byte, asJSON bool) error {
	if asJSON {
		return daemonkit.PrintJSON(w, raw)
	}
	tw := daemonkit.NewTable(w)
	fmt.Fprintf(tw, "node %s (%s), router ID %v, profile %s, up since %s\n", st.Node, st.Role, st.RouterID, st.Profile, st.Since.Format(time.RFC3339))
	if st.Static != nil {
		fmt.Fprintf(tw, "static default: %s\n", map[bool]string{true: "installed", false: "withdrawn"}[*st.Static])
	}
	for _, g := range []struct {
		label string
		v     *VRRPView
	}{{"VRRP", st.VRRP}, {"VRRP group 2", st.VRRPSecond}} {
		v := g.v
		if v == nil {
			continue
		}
		master := "-"
		if v.Master.IsValid() {
			master = v.Master.String()
		}
		forced := ""
		if v.Forced {
			forced = " (held in Backup by a track)"
		}
		fmt.Fprintf(tw, "%s: VRID %d %v%s, priority %d, master %s, VIPs %v\n", g.label, v.VRID, v.State, forced, v.Priority, master, v.VirtualAddresses)
		daemonkit.PrintConflicts(tw, g.label, v.Conflicts)
	}
	fmt.Fprintln(tw, "\nINTERFACE\tLINUX\tIFINDEX\tPREFIX\tCOST\tCARRIER\tOSPF")
	for _, i := range st.Interfaces {
		cost := "-"
		if i.Cost > 0 {
			cost = fmt.Sprint(i.Cost)
		}
		ospfState := i.OSPF
		if ospfState == "" {
			ospfState = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%v\t%s\t%s\t%s\n", i.Name, i.Linux, i.IfIndex, i.Prefix, cost, map[bool]string{true: "up", false: "DOWN"}[i.Carrier], ospfState)
	}
	fmt.Fprintln(tw, "\nNEIGHBOR\tADDRESS\tINTERFACE\tSTATE\tDEAD IN\tBFD")
	for _, n := range st.Neighbors {
		fmt.Fprintf(tw, "%v\t%v\t%s\t%s\t%v\t%s\n", n.RouterID, n.Address, n.Interface, n.State, n.DeadIn, cmp.Or(n.BFD, "-"))
	}
	fmt.Fprintf(tw, "\nBFD %s\n", cmp.Or(st.BFDTimers, "off"))
	if len(st.BFD) > 0 {
		fmt.Fprintln(tw, "PEER\tINTERFACE\tSTATE\tREMOTE\tTX\tDETECT\tLOCAL DISC\tREMOTE DISC\tLAST DOWN\tSINCE\tSENT\tRECEIVED\tUPS\tDOWNS")
		for _, b := range st.BFD {
			fmt.Fprintf(tw, "%v\t%s\t%s\t%s\t%v\t%v\t%d\t%d\t%s\t%s\t%d\t%d\t%d\t%d\n", b.Peer, b.Interface, b.State, b.RemoteState,
				b.TxInterval, b.DetectTime, b.LocalDisc, b.RemoteDisc, b.LastDownDiag, b.Since.Format("15:04:05.000"),
				b.Counters.Sent, b.Counters.Received, b.Counters.Ups, b.Counters.Downs)
		}
	}
	fmt.Fprintln(tw, "\nROUTE\tTYPE\tCOST\tNEXT HOPS")
	for _, r := range st.Routes {
		fmt.Fprintf(tw, "%v\t%s\t%s\t%s\n", r.Prefix, r.Type, r.Cost, strings.Join(r.NextHops, ", "))
	}
	if len(st.Events) > 0 {
		fmt.Fprintln(tw, "\nTIME\tEVENT\t")
		for _, e := range st.Events {
			fmt.Fprintf(tw, "%s\t%s\t%s\n", e.Time.Format("15:04:05.000"), e.Kind, e.Text)
		}
	}
	return tw.Flush()
}
