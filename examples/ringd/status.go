package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/netip"
	"strings"
	"time"

	daemonkit "github.com/switchless/routing/internal/daemon"
	"github.com/switchless/routing/ospf"
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
	Since      time.Time      `json:"since"`
	Interfaces []IfaceStatus  `json:"interfaces"`
	Neighbors  []NeighborView `json:"neighbors"`
	Routes     []RouteView    `json:"routes"`
	Static     *bool          `json:"static_default,omitempty"` // edges only
	VRRP       *VRRPView      `json:"vrrp,omitempty"`           // edges only
	Events     []EventView    `json:"events"`
	// Transports counts each raw socket's traffic ("ospf/east",
	// "vrrp/up").
	Transports map[string]ring.TransportStats `json:"transports,omitempty"`
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
}

// NeighborView is one OSPF neighbor.
type NeighborView struct {
	Interface string     `json:"interface"`
	RouterID  netip.Addr `json:"router_id"`
	Address   netip.Addr `json:"address"`
	State     string     `json:"state"`
	DeadIn    string     `json:"dead_in"`
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
	VRID               uint8              `json:"vrid"`
	Version            string             `json:"version"`
	State              string             `json:"state"`
	Master             netip.Addr         `json:"master,omitzero"`
	VirtualAddresses   []netip.Addr       `json:"virtual_addresses"`
	ConfiguredPriority uint8              `json:"configured_priority"`
	Priority           uint8              `json:"priority"`
	Forced             bool               `json:"forced,omitempty"`
	Interval           string             `json:"interval"`
	MasterDownInterval string             `json:"master_down_interval"`
	Tracks             []vrrp.TrackStatus `json:"tracks"`
	Received           uint64             `json:"received"`
	Sent               uint64             `json:"sent"`
	Transitions        uint64             `json:"transitions"`
	Drops              map[string]uint64  `json:"drops,omitempty"`
}

func vrrpView(s vrrp.Status) *VRRPView {
	v := &VRRPView{VRID: s.VRID, Version: s.Version.String(), State: s.State.String(), Master: s.Master,
		VirtualAddresses: s.VirtualAddresses, ConfiguredPriority: s.ConfiguredPriority, Priority: s.Priority,
		Forced: s.Forced, Interval: s.Interval.String(), MasterDownInterval: s.MasterDownInterval.String(),
		Tracks: s.Tracks, Received: s.Counters.Received, Sent: s.Counters.Sent, Transitions: s.Counters.Transitions}
	for k, n := range s.Counters.Drops {
		if v.Drops == nil {
			v.Drops = map[string]uint64{}
		}
		v.Drops[k.String()] = n
	}
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
			State: n.State.String(), DeadIn: n.DeadIn.Round(time.Millisecond).String()})
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
		out = append(out, RouteView{Prefix: r.Prefix, Type: r.PathType.String(), Cost: cost, NextHops: hops})
	}
	return out
}

func eventView(e ring.Event) EventView {
	return EventView{Time: e.Time, Kind: e.Kind.String(), Text: e.Text}
}

// serveStatus answers every connection on the unix socket path with the
// JSON status, until stop is called.
func serveStatus(path string, status func() Status) (stop func(), err error) {
	return daemonkit.ServeStatus(path, func() any { return status() })
}

// fetchStatus asks a running ringd for its status.
func fetchStatus(ctx context.Context, path string) (Status, []byte, error) {
	raw, err := daemonkit.QueryStatus(ctx, path)
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
	if v := st.VRRP; v != nil {
		master := "-"
		if v.Master.IsValid() {
			master = v.Master.String()
		}
		forced := ""
		if v.Forced {
			forced = " (held in Backup by a track)"
		}
		fmt.Fprintf(tw, "VRRP: VRID %d %v%s, priority %d, master %s, VIPs %v\n", v.VRID, v.State, forced, v.Priority, master, v.VirtualAddresses)
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
	fmt.Fprintln(tw, "\nNEIGHBOR\tADDRESS\tINTERFACE\tSTATE\tDEAD IN")
	for _, n := range st.Neighbors {
		fmt.Fprintf(tw, "%v\t%v\t%s\t%s\t%s\n", n.RouterID, n.Address, n.Interface, n.State, n.DeadIn)
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
