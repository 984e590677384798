package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	daemonkit "github.com/switchless/routing/internal/daemon"
	"github.com/switchless/routing/vrrp"
)

// RouterStatus is one router in the status answer.
type RouterStatus struct {
	Name string `json:"name"`
	vrrp.Status
}

// serveStatus answers every connection on the unix socket path with the
// JSON status of all routers, until stop is called.
func serveStatus(_ context.Context, path string, status func() []RouterStatus) (func(), error) {
	return daemonkit.ServeStatus(path, func() any { return status() })
}

// fetchStatus asks a running vrrpd for its status.
func fetchStatus(path string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return daemonkit.QueryStatus(ctx, path)
}

// statusView is the part of the JSON answer the table shows.
type statusView struct {
	Name             string
	Interface        string
	VRID             int
	Version          string
	State            string
	Priority         int
	Forced           bool
	Master           string
	VirtualAddresses []string
	Counters         struct {
		Received, Sent uint64
		Misconfigured  uint64
		Drops          map[string]uint64
	}
}

// printStatus prints the JSON answer raw (asJSON) or as a table.
func printStatus(w io.Writer, raw []byte, asJSON bool) error {
	if asJSON {
		if err := daemonkit.PrintJSON(w, raw); err != nil {
			return fmt.Errorf("bad status answer: %w", err)
		}
		return nil
	}
	var rs []statusView
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
		master := r.Master
		if master == "" {
			master = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\t%d\t%s\t%s\t%d\t%d\t%s\n", r.Name, r.Interface, r.VRID, r.Version, state,
			r.Priority, master, strings.Join(r.VirtualAddresses, ","), r.Counters.Received, r.Counters.Sent, strings.Join(drops, ","))
	}
	return tw.Flush()
}
