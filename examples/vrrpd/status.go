package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/netip"
	"sort"
	"strings"
	"time"

	daemonkit "github.com/switchless/routing/internal/daemon"
	"github.com/switchless/routing/vrrp"
)

// RouterStatus is one router as the daemon knows it; the status answer
// is its RouterView.
type RouterStatus struct {
	Name string
	vrrp.Status
}

// RouterView is one router in the status answer (`vrrpd status -json`),
// in the daemons' JSON convention (see daemonkit.LintJSON).
type RouterView struct {
	Name      string `json:"name"`
	Interface string `json:"interface"`
	VRID      uint8  `json:"vrid"`
	// Version is 2 (RFC 3768) or 3 (RFC 5798).
	Version int `json:"version"`
	// State is initialize, backup or master (RFC 5798 §6.4).
	State            string       `json:"state"`
	Forced           bool         `json:"forced,omitempty"`
	Address          netip.Addr   `json:"address,omitzero"`
	Master           netip.Addr   `json:"master,omitzero"`
	VirtualAddresses []netip.Addr `json:"virtual_addresses"`
	// ConfiguredPriority is the configuration's, Priority the effective
	// one after tracking.
	ConfiguredPriority uint8              `json:"configured_priority"`
	Priority           uint8              `json:"priority"`
	Interval           daemonkit.Duration `json:"interval"`
	// MasterAdverInterval is Master_Adver_Interval, MasterDownInterval
	// Master_Down_Interval and MasterDownIn the time left on
	// Master_Down_Timer in Backup (RFC 5798 §6.1, §6.4.2).
	MasterAdverInterval daemonkit.Duration  `json:"master_adver_interval"`
	MasterDownInterval  daemonkit.Duration  `json:"master_down_interval"`
	MasterDownIn        *daemonkit.Duration `json:"master_down_in,omitempty"`
	Tracks              []TrackView         `json:"tracks"`
	Counters            CountersView        `json:"counters"`
	// Conflicts are the routers heard disagreeing with this one (our
	// VRID with another address list or interval, or a priority-255
	// claim from a non-owner), by source: virtual-MAC hygiene.
	Conflicts []daemonkit.ConflictView `json:"conflicts,omitempty"`
}

// TrackView is one tracked object of a router.
type TrackView struct {
	Name      string `json:"name"`
	Up        bool   `json:"up"`
	Weight    int    `json:"weight"`
	Changes   uint64 `json:"changes"`
	LastError string `json:"last_error,omitempty"`
}

// CountersView is vrrp.Counters, drops by reason.
type CountersView struct {
	Received         uint64            `json:"received"`
	Sent             uint64            `json:"sent"`
	SentPriorityZero uint64            `json:"sent_priority_zero"`
	SendErrors       uint64            `json:"send_errors"`
	Transitions      uint64            `json:"transitions"`
	BecameMaster     uint64            `json:"became_master"`
	Announcements    uint64            `json:"announcements"`
	Reannouncements  uint64            `json:"reannouncements"`
	Misconfigured    uint64            `json:"misconfigured"`
	DataplaneErrors  uint64            `json:"dataplane_errors"`
	Drops            map[string]uint64 `json:"drops"`
}

func routerViews(rs []RouterStatus) []RouterView {
	out := make([]RouterView, 0, len(rs))
	for _, r := range rs {
		s := r.Status
		v := RouterView{Name: r.Name, Interface: s.Interface, VRID: s.VRID, Version: int(s.Version), State: daemonkit.Enum(s.State),
			Forced: s.Forced, Address: s.Address, Master: s.Master, VirtualAddresses: append([]netip.Addr{}, s.VirtualAddresses...),
			ConfiguredPriority: s.ConfiguredPriority, Priority: s.Priority, Interval: daemonkit.Duration(s.Interval),
			MasterAdverInterval: daemonkit.Duration(s.MasterAdverInterval), MasterDownInterval: daemonkit.Duration(s.MasterDownInterval),
			Tracks: []TrackView{}}
		if s.MasterDownIn > 0 {
			d := daemonkit.Duration(s.MasterDownIn)
			v.MasterDownIn = &d
		}
		for _, t := range s.Tracks {
			v.Tracks = append(v.Tracks, TrackView{Name: t.Name, Up: t.Up, Weight: t.Weight, Changes: t.Changes, LastError: t.LastErr})
		}
		v.Conflicts = daemonkit.ConflictViews(s.Conflicts)
		c := s.Counters
		v.Counters = CountersView{Received: c.Received, Sent: c.Sent, SentPriorityZero: c.SentPriorityZero, SendErrors: c.SendErrors,
			Transitions: c.Transitions, BecameMaster: c.BecameMaster, Announcements: c.Announcements, Reannouncements: c.Reannouncements,
			Misconfigured: c.Misconfigured, DataplaneErrors: c.DataplaneErrors, Drops: daemonkit.EnumCounts(c.Drops)}
		out = append(out, v)
	}
	return out
}

// serveStatus answers the views on the unix socket path until stop is
// called: routers, the JSON status of all routers (their RouterViews),
// and config, running (the file `show config` prints).
func serveStatus(_ context.Context, path string, status func() []RouterStatus, running *daemonkit.RunningConfig) (func(), error) {
	return daemonkit.ServeViews(path, func(view string) (any, error) {
		switch view {
		case "routers":
			return routerViews(status()), nil
		case "config":
			return running.View(), nil
		}
		return nil, fmt.Errorf("unknown view %q (want routers or config)", view)
	})
}

// fetchStatus asks a running vrrpd for a view.
func fetchStatus(path, view string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return daemonkit.FetchView(ctx, path, view)
}

// printStatus prints the JSON answer raw (asJSON) or as a table.
func printStatus(w io.Writer, raw []byte, asJSON bool) error {
	if asJSON {
		if err := daemonkit.PrintJSON(w, raw); err != nil {
			return fmt.Errorf("bad status answer: %w", err)
		}
		return nil
	}
	var rs []RouterView
	if err := json.Unmarshal(raw, &rs); err != nil {
		return fmt.Errorf("bad status answer: %w", err)
	}
	tw := daemonkit.NewTable(w)
	fmt.Fprintln(tw, "NAME\tIFACE\tVRID\tVERSION\tSTATE\tPRIO\tMASTER\tVIPS\tRX\tTX\tDROPS")
	for _, r := range rs {
		state := r.State
		if r.Forced {
			state += " (forced)"
		}
		var drops []string
		for k, v := range r.Counters.Drops {
			drops = append(drops, fmt.Sprintf("%s=%d", k, v))
		}
		sort.Strings(drops)
		if len(drops) == 0 {
			drops = []string{"-"}
		}
		master := "-"
		if r.Master.IsValid() {
			master = r.Master.String()
		}
		vips := make([]string, 0, len(r.VirtualAddresses))
		for _, a := range r.VirtualAddresses {
			vips = append(vips, a.String())
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%s\t%d\t%s\t%s\t%d\t%d\t%s\n", r.Name, r.Interface, r.VRID, r.Version, state,
			r.Priority, master, strings.Join(vips, ","), r.Counters.Received, r.Counters.Sent, strings.Join(drops, ","))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, r := range rs {
		daemonkit.PrintConflicts(w, r.Name, r.Conflicts)
	}
	return nil
}
