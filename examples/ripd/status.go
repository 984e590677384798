package main

import (
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
	"github.com/switchless/routing/rip"
)

// The status protocol: a client connects to the unix socket, writes one
// line naming a view (routes, neighbors, interfaces, stats, bfd), and
// reads the JSON answer until the server closes the connection.

// views are the names `ripd show` accepts.
func views() []string { return []string{"routes", "neighbors", "interfaces", "stats", "bfd", "config"} }

// RouteView is one route of the routing table in the status answer.
type RouteView struct {
	Prefix   netip.Prefix  `json:"prefix"`
	Source   string        `json:"source"`
	Metric   int           `json:"metric"`
	Tag      uint16        `json:"tag"`
	NextHops []NextHopView `json:"next_hops"`
	// GarbageCollection is the time left before an unreachable route is
	// deleted.
	GarbageCollection *daemonkit.Duration `json:"garbage_collection,omitempty"`
	Changed           bool                `json:"changed,omitempty"`
}

// NextHopView is one next hop of a learnt route.
type NextHopView struct {
	Gateway   netip.Addr `json:"gateway"`
	From      netip.Addr `json:"from"`
	Interface string     `json:"interface"`
	// Timeout is the time left before the route times out.
	Timeout daemonkit.Duration `json:"timeout"`
}

// NeighborView is one neighbour in the status answer.
type NeighborView struct {
	Address    netip.Addr `json:"address"`
	Interface  string     `json:"interface"`
	LastHeard  time.Time  `json:"last_heard"`
	Version    uint8      `json:"version"`
	BadPackets uint64     `json:"bad_packets"`
	BadRoutes  uint64     `json:"bad_routes"`
	Seq        uint32     `json:"seq,omitempty"`
	// BFD is none (no session watches it), waiting or up (RFC 5882).
	BFD string `json:"bfd"`
}

// InterfaceView is one interface in the status answer.
type InterfaceView struct {
	Name         string       `json:"name"`
	Prefix       netip.Prefix `json:"prefix"`
	Passive      bool         `json:"passive"`
	Down         bool         `json:"down,omitempty"` // carrier lost (rip.Instance.InterfaceDown)
	SplitHorizon string       `json:"split_horizon"`
	Auth         string       `json:"auth"`
	SendKey      int          `json:"send_key,omitempty"`
	Neighbors    int          `json:"neighbors"`
	Received     uint64       `json:"received"`
	Sent         uint64       `json:"sent"`
	SentUpdates  uint64       `json:"sent_updates"`
	BadPackets   uint64       `json:"bad_packets"`
	BadRoutes    uint64       `json:"bad_routes"`
}

// StatsView is the stats view: the instance counters, drops by reason.
type StatsView struct {
	Received          uint64            `json:"received"`
	RequestsReceived  uint64            `json:"requests_received"`
	ResponsesReceived uint64            `json:"responses_received"`
	RequestsAnswered  uint64            `json:"requests_answered"`
	Sent              uint64            `json:"sent"`
	SendErrors        uint64            `json:"send_errors"`
	RegularUpdates    uint64            `json:"regular_updates"`
	TriggeredUpdates  uint64            `json:"triggered_updates"`
	RoutesTimedOut    uint64            `json:"routes_timed_out"`
	NextHopIgnored    uint64            `json:"next_hop_ignored"`
	FIBWrites         uint64            `json:"fib_writes"`
	Dropped           map[string]uint64 `json:"dropped"`
}

func ms(d time.Duration) daemonkit.Duration { return daemonkit.Duration(d.Round(time.Millisecond)) }

func routeViews(rs []rip.Route) []RouteView {
	out := make([]RouteView, 0, len(rs))
	for _, r := range rs {
		v := RouteView{Prefix: r.Prefix, Source: daemonkit.Enum(r.Source), Metric: r.Metric, Tag: r.Tag, NextHops: []NextHopView{}, Changed: r.Changed}
		if r.GarbageCollection > 0 {
			gc := ms(r.GarbageCollection)
			v.GarbageCollection = &gc
		}
		for _, h := range r.NextHops {
			v.NextHops = append(v.NextHops, NextHopView{Gateway: h.Gateway, From: h.From, Interface: h.Interface, Timeout: ms(h.Timeout)})
		}
		out = append(out, v)
	}
	return out
}

func neighborViews(ns []rip.Neighbor) []NeighborView {
	out := make([]NeighborView, 0, len(ns))
	for _, n := range ns {
		out = append(out, NeighborView{Address: n.Addr, Interface: n.Interface, LastHeard: n.LastHeard, Version: n.Version, BadPackets: n.BadPackets, BadRoutes: n.BadRoutes, Seq: n.Seq, BFD: daemonkit.Enum(n.BFD)})
	}
	return out
}

func interfaceViews(is []rip.Interface) []InterfaceView {
	out := make([]InterfaceView, 0, len(is))
	for _, s := range is {
		out = append(out, InterfaceView{
			Name: s.Name, Prefix: s.Prefix, Passive: s.Passive, Down: s.Down, SplitHorizon: daemonkit.Enum(s.SplitHorizon), Auth: daemonkit.Enum(s.Auth),
			SendKey: s.SendKey, Neighbors: s.Neighbors, Received: s.Stats.Received, Sent: s.Stats.Sent,
			SentUpdates: s.Stats.SentUpdates, BadPackets: s.Stats.BadPackets, BadRoutes: s.Stats.BadRoutes,
		})
	}
	return out
}

func statsView(s rip.Stats) StatsView {
	v := StatsView{
		Received: s.Received, RequestsReceived: s.RequestsReceived, ResponsesReceived: s.ResponsesReceived,
		RequestsAnswered: s.RequestsAnswered, Sent: s.Sent, SendErrors: s.SendErrors, RegularUpdates: s.RegularUpdates,
		TriggeredUpdates: s.TriggeredUpdates, RoutesTimedOut: s.RoutesTimedOut, NextHopIgnored: s.NextHopIgnored,
		FIBWrites: s.FIBWrites, Dropped: map[string]uint64{},
	}
	for r, n := range s.Dropped {
		if n > 0 {
			v.Dropped[daemonkit.Enum(rip.DropReason(r))] = n
		}
	}
	return v
}

// answer returns the JSON-able value of a view of in (nil: not running)
// and its BFD (nil: no interface has bfd).
func answer(in *rip.Instance, bin *bfd.Instance, view string) (any, error) {
	if view == "bfd" {
		return bfdconf.Answer(bin), nil
	}
	if in == nil {
		return nil, errors.New("no RIP instance running (no interface has an address and carrier yet)")
	}
	switch view {
	case "routes":
		return routeViews(in.Routes()), nil
	case "neighbors":
		return neighborViews(in.Neighbors()), nil
	case "interfaces":
		return interfaceViews(in.Interfaces()), nil
	case "stats":
		return statsView(in.Stats()), nil
	}
	return nil, fmt.Errorf("unknown view %q (want one of %s)", view, strings.Join(views(), ", "))
}

// serveStatus answers connections on the unix socket path until stop is
// called. current returns the running instance (nil when none),
// currentBFD its BFD, and running the configuration `show config` prints.
func serveStatus(path string, current func() *rip.Instance, currentBFD func() *bfd.Instance, running *daemonkit.RunningConfig) (stop func(), err error) {
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
	case "routes":
		var rs []RouteView
		if err := json.Unmarshal(data, &rs); err != nil {
			return err
		}
		fmt.Fprintln(tw, "PREFIX\tSOURCE\tMETRIC\tTAG\tNEXT HOPS\tTIMERS")
		for _, r := range rs {
			var hops, timers []string
			for _, h := range r.NextHops {
				hop := fmt.Sprintf("via %v %s", h.Gateway, h.Interface)
				if h.From != h.Gateway {
					hop += fmt.Sprintf(" (from %v)", h.From)
				}
				hops = append(hops, hop)
				timers = append(timers, "timeout "+h.Timeout.String())
			}
			if len(hops) == 0 {
				hops = []string{"self"}
			}
			if r.GarbageCollection != nil {
				timers = append(timers, "gc "+r.GarbageCollection.String())
			}
			fmt.Fprintf(tw, "%v\t%s\t%d\t%d\t%s\t%s\n", r.Prefix, r.Source, r.Metric, r.Tag, strings.Join(hops, ", "), strings.Join(timers, ", "))
		}
	case "neighbors":
		var ns []NeighborView
		if err := json.Unmarshal(data, &ns); err != nil {
			return err
		}
		fmt.Fprintln(tw, "ADDRESS\tINTERFACE\tVERSION\tLAST HEARD\tBAD PACKETS\tBAD ROUTES\tBFD")
		for _, n := range ns {
			fmt.Fprintf(tw, "%v\t%s\t%d\t%s\t%d\t%d\t%s\n", n.Address, n.Interface, n.Version, n.LastHeard.Format(time.RFC3339), n.BadPackets, n.BadRoutes, n.BFD)
		}
	case "interfaces":
		var is []InterfaceView
		if err := json.Unmarshal(data, &is); err != nil {
			return err
		}
		fmt.Fprintln(tw, "NAME\tPREFIX\tPASSIVE\tSPLIT HORIZON\tAUTH\tNBRS\tRX\tTX\tBAD PKTS\tBAD ROUTES")
		for _, s := range is {
			auth := s.Auth
			if s.SendKey != 0 {
				auth = fmt.Sprintf("%s (key %d)", s.Auth, s.SendKey)
			}
			fmt.Fprintf(tw, "%s\t%v\t%v\t%s\t%s\t%d\t%d\t%d\t%d\t%d\n", s.Name, s.Prefix, s.Passive, s.SplitHorizon, auth, s.Neighbors, s.Received, s.Sent, s.BadPackets, s.BadRoutes)
		}
	case "stats":
		var s StatsView
		if err := json.Unmarshal(data, &s); err != nil {
			return err
		}
		fmt.Fprintf(tw, "received\t%d (%d requests, %d responses)\n", s.Received, s.RequestsReceived, s.ResponsesReceived)
		fmt.Fprintf(tw, "requests answered\t%d\n", s.RequestsAnswered)
		fmt.Fprintf(tw, "sent\t%d (%d errors)\n", s.Sent, s.SendErrors)
		fmt.Fprintf(tw, "updates\t%d regular, %d triggered\n", s.RegularUpdates, s.TriggeredUpdates)
		fmt.Fprintf(tw, "routes timed out\t%d\n", s.RoutesTimedOut)
		fmt.Fprintf(tw, "next hops ignored\t%d\n", s.NextHopIgnored)
		fmt.Fprintf(tw, "FIB writes\t%d\n", s.FIBWrites)
		for r := range rip.NumDropReasons {
			if n := s.Dropped[daemonkit.Enum(r)]; n > 0 {
				fmt.Fprintf(tw, "dropped %s\t%d\n", r, n)
			}
		}
	default:
		return fmt.Errorf("unknown view %q", view)
	}
	return tw.Flush()
}
