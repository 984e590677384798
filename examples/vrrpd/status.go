package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/switchless/routing/vrrp"
)

// RouterStatus is one router in the status answer.
type RouterStatus struct {
	Name string `json:"name"`
	vrrp.Status
}

// serveStatus answers every connection on the unix socket path with the
// JSON status of all routers, until ctx is done.
func serveStatus(ctx context.Context, path string, status func() []RouterStatus) (func(), error) {
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	ln, err := net.Listen("unix", path)
	if err != nil {
		return nil, err
	}
	if err := os.Chmod(path, 0o660); err != nil {
		ln.Close()
		return nil, err
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			_ = c.SetDeadline(time.Now().Add(5 * time.Second))
			_ = json.NewEncoder(c).Encode(status())
			c.Close()
		}
	}()
	stop := func() {
		ln.Close()
		<-done
		_ = os.Remove(path)
	}
	return stop, nil
}

// fetchStatus asks a running vrrpd for its status.
func fetchStatus(path string) ([]byte, error) {
	c, err := net.DialTimeout("unix", path, 5*time.Second)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	return io.ReadAll(c)
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
		var v any
		if err := json.Unmarshal(raw, &v); err != nil {
			return fmt.Errorf("bad status answer: %w", err)
		}
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(v)
	}
	var rs []statusView
	if err := json.Unmarshal(raw, &rs); err != nil {
		return fmt.Errorf("bad status answer: %w", err)
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
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
