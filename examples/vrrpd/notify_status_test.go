package main

import (
	"bytes"
	"context"
	daemonkit "github.com/switchless/routing/internal/daemon"
	"log/slog"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/switchless/routing/vrrp"
	"github.com/switchless/routing/vrrp/packet"
)

func TestNotifierRunsCommandInOrder(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "log")
	script := filepath.Join(dir, "notify.sh")
	body := "#!/bin/sh\necho \"$@ $VRRP_NAME $VRRP_INTERFACE $VRRP_VRID $VRRP_FROM $VRRP_STATE $VRRP_MASTER $VRRP_PRIORITY\" >> " + out + "\n"
	if err := os.WriteFile(script, []byte(body), 0o755); err != nil {
		t.Fatal(err)
	}
	n := newNotifier("gw", "eth0", []string{script, "extra"}, slog.New(slog.DiscardHandler))
	n.onEvent(vrrp.Event{Kind: vrrp.EventTransition, Transition: vrrp.Transition{VRID: 51, From: vrrp.Initialize, To: vrrp.Backup, Reason: vrrp.ReasonStartup, Priority: 100}})
	n.onEvent(vrrp.Event{Kind: vrrp.EventTrack, Track: vrrp.TrackChange{Name: "if:eth1"}}) // not a transition: no command
	n.onEvent(vrrp.Event{Kind: vrrp.EventTransition, Transition: vrrp.Transition{VRID: 51, From: vrrp.Backup, To: vrrp.Master, Reason: vrrp.ReasonMasterDown,
		Master: netip.MustParseAddr("192.0.2.2"), Priority: 100}})
	n.close()
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	want := "extra gw Backup startup gw eth0 51 Initialize Backup  100\n" +
		"extra gw Master master down gw eth0 51 Backup Master 192.0.2.2 100\n"
	if string(b) != want {
		t.Errorf("notify log:\n%s\nwant:\n%s", b, want)
	}
}

func TestCommandChecker(t *testing.T) {
	if err := commandChecker([]string{"true"}).Check(context.Background()); err != nil {
		t.Error(err)
	}
	if err := commandChecker([]string{"false"}).Check(context.Background()); err == nil {
		t.Error("false succeeded")
	}
}

func TestStatusSocket(t *testing.T) {
	path := filepath.Join(t.TempDir(), "vrrpd.sock")
	st := []RouterStatus{{Name: "gw", Status: vrrp.Status{VRID: 51, Interface: "eth0", Version: packet.V3, State: vrrp.Master,
		Master: netip.MustParseAddr("192.0.2.2"), Priority: 200, VirtualAddresses: []netip.Addr{netip.MustParseAddr("192.0.2.100")},
		Interval: time.Second, MasterAdverInterval: time.Second, MasterDownInterval: 3218750 * time.Microsecond, MasterDownIn: 2500 * time.Millisecond,
		Tracks:   []vrrp.TrackStatus{{Name: "script:up", Up: false, Weight: 0, Changes: 2, LastErr: "exit status 1"}},
		Counters: vrrp.Counters{Sent: 7, Drops: map[vrrp.DropReason]uint64{vrrp.DropTTL: 1}}}}}
	stop, err := serveStatus(context.Background(), path, func() []RouterStatus { return st }, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	raw, err := fetchStatus(path, "routers")
	if err != nil {
		t.Fatal(err)
	}
	var table, js bytes.Buffer
	if err := printStatus(&table, raw, false); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(table.String()), "\n")
	if len(lines) != 2 || strings.Join(strings.Fields(lines[1]), " ") != "gw eth0 51 3 master 200 192.0.2.2 192.0.2.100 0 7 ttl=1" {
		t.Errorf("table:\n%s", table.String())
	}
	if err := printStatus(&js, raw, true); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"state": "master"`, `"name": "gw"`, `"interval": "1s"`, `"master_down_interval": "3.21875s"`,
		`"master_down_in": "2.5s"`, `"last_error": "exit status 1"`, `"ttl": 1`, `"version": 3`} {
		if !strings.Contains(js.String(), want) {
			t.Errorf("json lacks %s:\n%s", want, js.String())
		}
	}
	if p := daemonkit.LintJSON(raw); p != nil {
		t.Errorf("JSON convention: %q\n%s", p, raw)
	}
	// The status subcommand end to end.
	var out, errb bytes.Buffer
	if code := realMain([]string{"status", "-socket", path}, &out, &errb); code != 0 || !strings.Contains(out.String(), "master") {
		t.Errorf("vrrpd status: %d %q %q", code, out.String(), errb.String())
	}
	if code := realMain([]string{"check", "-config", "example.yaml"}, &out, &errb); code != 0 {
		t.Errorf("vrrpd check example.yaml: %d %s", code, errb.String())
	}
}
