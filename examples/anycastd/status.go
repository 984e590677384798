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

	"github.com/switchless/routing/anycast"
	"github.com/switchless/routing/bfd"
	"github.com/switchless/routing/internal/bfdconf"
	daemonkit "github.com/switchless/routing/internal/daemon"
	"github.com/switchless/routing/ospf"
	"github.com/switchless/routing/rip"
)

// The status protocol is daemonkit's views: `anycastd show [VIEW]`
// writes the view's name (services, rip, ospf or bfd) and reads its JSON.

// views are the names `anycastd show` accepts; the first is the default.
func views() []string { return []string{"services", "rip", "ospf", "bfd", "config"} }

// statusSources are what the views are answered from; nil instances are
// speakers not running.
type statusSources struct {
	speaker      string
	services     func() []anycast.ServiceStatus
	rip          *rip.Instance
	ospf         *ospf.Instance
	ospfAnnounce string
	bfd          *bfd.Instance
}

// StatusView is the services view.
type StatusView struct {
	Speaker  string        `json:"speaker"`
	Services []ServiceView `json:"services"`
}

// ServiceView is one service (anycast.ServiceStatus) in the status answer.
type ServiceView struct {
	Name        string       `json:"name"`
	State       string       `json:"state"`
	Policy      string       `json:"policy"`
	Maintenance bool         `json:"maintenance"`
	PeerDown    bool         `json:"peer_down,omitempty"`
	Since       time.Time    `json:"since,omitzero"`
	Successes   int          `json:"successes"`
	Failures    int          `json:"failures"`
	Checks      []CheckView  `json:"checks"`
	PeerChecks  []CheckView  `json:"peer_checks,omitempty"`
	Prefixes    []PrefixView `json:"prefixes"`
	Rounds      uint64       `json:"rounds"`
	// MaxLateness is how late a check round started at worst.
	MaxLateness daemonkit.Duration `json:"max_lateness"`
}

// CheckView is the last result of one check.
type CheckView struct {
	Name     string             `json:"name"`
	OK       bool               `json:"ok"`
	Start    time.Time          `json:"start"`
	Duration daemonkit.Duration `json:"duration"`
	Error    string             `json:"error,omitempty"`
}

// PrefixView is one prefix of a service: on the host, and what the
// speaker was told.
type PrefixView struct {
	Prefix    netip.Prefix `json:"prefix"`
	Aliased   bool         `json:"aliased"`
	Announced bool         `json:"announced"`
	Metric    uint32       `json:"metric,omitempty"`
	Error     string       `json:"error,omitempty"`
}

// RIPRouteView is one route of the rip view.
type RIPRouteView struct {
	Prefix   netip.Prefix `json:"prefix"`
	Source   string       `json:"source"`
	Metric   int          `json:"metric"`
	NextHops []string     `json:"next_hops"`
}

// OSPFView is the ospf view: the speaker's neighbours and what it
// originates for the services (and any redistribution of the ospf block).
type OSPFView struct {
	RouterID netip.Addr `json:"router_id"`
	// Announce is the ospf_announce mode.
	Announce  string             `json:"announce"`
	Neighbors []OSPFNeighborView `json:"neighbors"`
	Announced []OSPFAnnounceView `json:"announced"`
}

// OSPFNeighborView is one neighbour of the OSPF speaker.
type OSPFNeighborView struct {
	RouterID  netip.Addr `json:"router_id"`
	Address   netip.Addr `json:"address"`
	Interface string     `json:"interface"`
	State     string     `json:"state"`
}

// OSPFAnnounceView is one prefix the speaker originates: as a stub link
// of its router-LSA (As "stub") or an AS-external-LSA ("external-type1",
// "external-type2"), at Metric.
type OSPFAnnounceView struct {
	Prefix netip.Prefix `json:"prefix"`
	As     string       `json:"as"`
	Metric uint32       `json:"metric"`
}

func ospfView(rid netip.Addr, mode string, nbrs []ospf.NeighborStatus, stubs []ospf.StubRoute, exts []ospf.ExternalRoute) OSPFView {
	v := OSPFView{RouterID: rid, Announce: mode, Neighbors: []OSPFNeighborView{}, Announced: []OSPFAnnounceView{}}
	for _, n := range nbrs {
		v.Neighbors = append(v.Neighbors, OSPFNeighborView{RouterID: n.RouterID, Address: n.Addr, Interface: n.Interface, State: n.State.String()})
	}
	for _, r := range stubs {
		v.Announced = append(v.Announced, OSPFAnnounceView{Prefix: r.Prefix, As: announceStub, Metric: r.Cost})
	}
	for _, r := range exts {
		as := announceExternal2
		if r.MetricType == ospf.MetricType1 {
			as = announceExternal1
		}
		v.Announced = append(v.Announced, OSPFAnnounceView{Prefix: r.Prefix, As: as, Metric: r.Metric})
	}
	return v
}

func checkViews(rs []anycast.CheckResult) []CheckView {
	out := make([]CheckView, 0, len(rs))
	for _, r := range rs {
		out = append(out, CheckView{Name: r.Name, OK: r.OK(), Start: r.Start, Duration: daemonkit.Duration(r.Duration), Error: r.Error})
	}
	return out
}

func statusView(speaker string, ss []anycast.ServiceStatus) StatusView {
	v := StatusView{Speaker: speaker, Services: []ServiceView{}}
	for _, s := range ss {
		sv := ServiceView{Name: s.Name, State: daemonkit.Enum(s.State), Policy: cmp.Or(strings.ToLower(string(s.Policy)), string(anycast.PolicySelf)), Maintenance: s.Maintenance, PeerDown: s.PeerDown,
			Since: s.Since, Successes: s.Successes, Failures: s.Failures, Checks: checkViews(s.Checks), Rounds: s.Rounds,
			MaxLateness: daemonkit.Duration(s.MaxLateness), Prefixes: []PrefixView{}}
		if len(s.PeerChecks) > 0 {
			sv.PeerChecks = checkViews(s.PeerChecks)
		}
		for _, p := range s.Prefixes {
			sv.Prefixes = append(sv.Prefixes, PrefixView{Prefix: p.Prefix, Aliased: p.Aliased, Announced: p.Announced, Metric: p.Metric, Error: p.Error})
		}
		v.Services = append(v.Services, sv)
	}
	return v
}

func ripRoutes(rs []rip.Route) []RIPRouteView {
	out := make([]RIPRouteView, 0, len(rs))
	for _, r := range rs {
		v := RIPRouteView{Prefix: r.Prefix, Source: daemonkit.Enum(r.Source), Metric: r.Metric, NextHops: []string{}}
		for _, h := range r.NextHops {
			v.NextHops = append(v.NextHops, fmt.Sprintf("%v %s", h.Gateway, h.Interface))
		}
		out = append(out, v)
	}
	return out
}

// answer returns the JSON-able value of a view.
func answer(src statusSources, view string) (any, error) {
	switch view {
	case "services", "":
		return statusView(src.speaker, src.services()), nil
	case "rip":
		if src.rip == nil {
			return nil, errors.New("no RIP speaker (speaker: " + src.speaker + ")")
		}
		return ripRoutes(src.rip.Routes()), nil
	case "ospf":
		if src.ospf == nil {
			return nil, errors.New("no OSPF speaker (speaker: " + src.speaker + ")")
		}
		in := src.ospf
		return ospfView(in.RouterID(), src.ospfAnnounce, in.Neighbors(), in.StubRoutes(), in.ExternalRoutes()), nil
	case "bfd":
		return bfdconf.Answer(src.bfd), nil
	}
	return nil, fmt.Errorf("unknown view %q (want one of %s)", view, strings.Join(views(), ", "))
}

// serveStatus answers the views on the unix socket path until stop is
// called; running is the configuration `show config` prints.
func serveStatus(path string, src statusSources, running *daemonkit.RunningConfig) (stop func(), err error) {
	return daemonkit.ServeViews(path, func(view string) (any, error) {
		if view == "config" {
			return running.View(), nil
		}
		return answer(src, view)
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
	case "services":
		var v StatusView
		if err := json.Unmarshal(data, &v); err != nil {
			return err
		}
		fmt.Fprintf(tw, "speaker: %s\n", v.Speaker)
		fmt.Fprintln(tw, "SERVICE\tSTATE\tPOLICY\tMAINT\tOK/FAIL\tPREFIXES\tCHECKS")
		for _, s := range v.Services {
			var ps, cs []string
			for _, p := range s.Prefixes {
				st := "withdrawn"
				if p.Announced {
					st = fmt.Sprintf("metric %d", p.Metric)
				}
				if !p.Aliased {
					st += ", no alias"
				}
				if p.Error != "" {
					st += ", error: " + p.Error
				}
				ps = append(ps, fmt.Sprintf("%v (%s)", p.Prefix, st))
			}
			for _, c := range s.Checks {
				r := "ok"
				if !c.OK {
					r = c.Error
				}
				cs = append(cs, fmt.Sprintf("%s: %s in %v", c.Name, r, c.Duration))
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%v\t%d/%d\t%s\t%s\n", s.Name, s.State, s.Policy, s.Maintenance, s.Successes, s.Failures,
				strings.Join(ps, ", "), strings.Join(cs, "; "))
		}
	case "rip":
		var rs []RIPRouteView
		if err := json.Unmarshal(data, &rs); err != nil {
			return err
		}
		fmt.Fprintln(tw, "PREFIX\tSOURCE\tMETRIC\tNEXT HOPS")
		for _, r := range rs {
			hops := strings.Join(r.NextHops, ", ")
			if hops == "" {
				hops = "self"
			}
			fmt.Fprintf(tw, "%v\t%s\t%d\t%s\n", r.Prefix, r.Source, r.Metric, hops)
		}
	case "ospf":
		var v OSPFView
		if err := json.Unmarshal(data, &v); err != nil {
			return err
		}
		fmt.Fprintf(tw, "router id: %v, announced as %s\n", v.RouterID, v.Announce)
		fmt.Fprintln(tw, "NEIGHBOR\tADDRESS\tINTERFACE\tSTATE")
		for _, n := range v.Neighbors {
			fmt.Fprintf(tw, "%v\t%v\t%s\t%s\n", n.RouterID, n.Address, n.Interface, n.State)
		}
		fmt.Fprintln(tw, "\nPREFIX\tAS\tMETRIC")
		for _, a := range v.Announced {
			fmt.Fprintf(tw, "%v\t%s\t%d\n", a.Prefix, a.As, a.Metric)
		}
	default:
		return fmt.Errorf("unknown view %q", view)
	}
	return tw.Flush()
}
