//go:build linux

package lab

import (
	"context"
	"errors"
	"fmt"
	"github.com/switchless/routing/internal/labns"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// stack is the control plane on the servers.
type stack interface {
	// prepare writes server i's configuration.
	prepare(i int, h *host) error
	// start launches whatever of server i's daemons is not running.
	start(i int, h *host) error
	// kill crashes server i's routing daemon (SIGKILL).
	kill(i int, h *host)
	// reboot resets what a power cycle loses, before start.
	reboot(i int, h *host) error
	// drain takes server i out of service gracefully (on) or back.
	drain(i int, h *host, on bool) error
}

// frrBins are FRR's programs.
type frrBins struct{ zebra, ripd, vtysh string }

func newFRRBins() (frrBins, error) {
	var f frrBins
	var errs []error
	for _, b := range []struct {
		name string
		dst  *string
	}{{"zebra", &f.zebra}, {"ripd", &f.ripd}, {"vtysh", &f.vtysh}} {
		p, err := LookBinary(b.name)
		errs = append(errs, err)
		*b.dst = p
	}
	return f, errors.Join(errs...)
}

// LookBinary finds a program in PATH or where Debian puts daemons.
func LookBinary(name string) (string, error) {
	for _, dir := range append(filepath.SplitList(os.Getenv("PATH")), "/usr/lib/frr", "/usr/sbin", "/sbin", "/usr/bin", "/bin") {
		p := filepath.Join(dir, name)
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	return "", fmt.Errorf("lab: %s not found (apt-get install frr)", name)
}

func frrArgs(h *host, daemon string) []string {
	return []string{
		"-f", filepath.Join(h.dir, daemon+".conf"),
		"-i", filepath.Join(h.dir, daemon+".pid"),
		"-z", filepath.Join(h.dir, "zserv.api"),
		"--vty_socket", h.dir,
		"-P", "0",
		"--log", "stdout",
	}
}

func running(h *host, name string) bool {
	p := h.procs[name]
	return p != nil && !p.Exited()
}

// startZebra starts zebra in h unless it runs, and waits for its API.
func startZebra(f frrBins, h *host) error {
	if running(h, "zebra") {
		return nil
	}
	api := filepath.Join(h.dir, "zserv.api")
	_ = os.Remove(api) // left by a zebra that was killed
	if err := os.WriteFile(filepath.Join(h.dir, "zebra.conf"), []byte("hostname "+h.name+"\nlog timestamp precision 3\n"), 0o644); err != nil {
		return err
	}
	p, err := labns.Start(h.ns, filepath.Join(h.dir, "zebra.log"), f.zebra, frrArgs(h, "zebra")...)
	if err != nil {
		return err
	}
	h.procs["zebra"] = p
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		if _, err := os.Stat(api); err == nil {
			return nil
		}
		if time.Now().After(deadline) || p.Exited() {
			return fmt.Errorf("%s: zebra did not open %s (see %s)", h.name, api, p.Log.Name())
		}
	}
}

// startRIPd starts ripd in h (its ripd.conf written) unless it runs.
func startRIPd(f frrBins, h *host) error {
	if running(h, "ripd") {
		return nil
	}
	p, err := labns.Start(h.ns, filepath.Join(h.dir, "ripd.log"), f.ripd, frrArgs(h, "ripd")...)
	if err != nil {
		return err
	}
	h.procs["ripd"] = p
	return nil
}

// startRouter runs zebra and ripd on campus router r.
func startRouter(l *Lab, f frrBins, r *host) error {
	var ifaces []string
	for _, c := range l.cables {
		switch r.ns {
		case c.a:
			ifaces = append(ifaces, c.an)
		case c.b:
			ifaces = append(ifaces, c.bn)
		}
	}
	if err := os.WriteFile(filepath.Join(r.dir, "ripd.conf"), []byte(routerRIP(r.name, l.opt.Timers, ifaces)), 0o644); err != nil {
		return err
	}
	if err := startZebra(f, r); err != nil {
		return err
	}
	return startRIPd(f, r)
}

func (l *Lab) metric(i int) uint32 {
	ma, mb := l.opt.Mode.Metrics()
	if i == 0 {
		return ma
	}
	return mb
}

// ours runs examples/anycastd on each server.
type ours struct{ l *Lab }

func (o *ours) conf(h *host) string        { return filepath.Join(h.dir, "anycastd.yaml") }
func (o *ours) maintenance(h *host) string { return filepath.Join(h.dir, "smtp.disabled") }

// Socket is the status socket of anycastd on h, for `anycastd show`.
func (o *ours) socket(h *host) string { return filepath.Join(h.dir, "anycastd.sock") }

// ripQuiet is how long the servers' RIP tables must stay unchanged
// before the first fault: a change starts a triggered update and the
// damping timer behind it (RFC 2453 §3.10.1, up to trigger_max), and a
// change that came while the timer ran goes out when it expires and arms
// it once more, so twice trigger_max without a change leaves every
// speaker's timer idle. The clients' view settles well before: routers
// and servers go on trading better metrics for routes no probe uses. A
// fault met by a running timer waits for it, or for the next regular
// update (the spread of the stop step in the package doc).
func (o *ours) ripQuiet() time.Duration {
	if d := o.l.opt.OursTrigger; d > 0 {
		return 2 * 2 * d // trigger_max is twice OursTrigger
	}
	return 2 * 5 * time.Second // RFC 2453's 1 to 5 s
}

// waitRIPQuiet polls `anycastd show rip -json` on every server until
// none of their tables has changed for ripQuiet, or timeout.
func (o *ours) waitRIPQuiet(ctx context.Context, timeout time.Duration) error {
	t0 := time.Now()
	last := make([]string, len(o.l.servers))
	changed := t0
	for {
		for i, h := range o.l.servers {
			out, err := exec.CommandContext(ctx, o.l.opt.Anycastd, "show", "rip", "-json", "-status", o.socket(h)).CombinedOutput()
			if err != nil {
				return fmt.Errorf("lab: anycastd show rip on %s: %v: %s", h.name, err, out)
			}
			if string(out) != last[i] {
				last[i], changed = string(out), time.Now()
			}
		}
		now := time.Now()
		if now.Sub(changed) >= o.ripQuiet() {
			o.l.logf("start: the servers' RIP tables unchanged for %v, %.1f s after the campuses settled", o.ripQuiet(), now.Sub(t0).Seconds())
			return nil
		}
		if now.Sub(t0) > timeout {
			return fmt.Errorf("lab: the servers' RIP tables kept changing for %v", timeout)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// prepare writes anycastd.yaml to the contract of examples/anycastd: the
// VIP on lo, the rip speaker on eth0 toward the campus router with the
// lab's timers, one service checked on the server's own address.
func (o *ours) prepare(i int, h *host) error {
	t := o.l.opt.Timers
	if o.l.opt.OursUpdate > 0 {
		t.Update = o.l.opt.OursUpdate
	}
	trig := ""
	if d := o.l.opt.OursTrigger; d > 0 {
		trig = fmt.Sprintf("\n    trigger_min: %v\n    trigger_max: %v", d, 2*d)
	}
	cover := ""
	if o.l.opt.Cover && i == 1 {
		cover = fmt.Sprintf("\n    cover_prefixes: [%v]", CoverPrefix)
	}
	conf := fmt.Sprintf(`# anycastlab: server %s, mode %s
addresses:
  interface: lo
speaker: rip
rip:
  timers:
    update: %v
    timeout: %v
    garbage_collection: %v%s
  interfaces:
    - name: eth0
status: %s
services:
  - name: smtp
    prefixes: [%v]
    interval: %v
    timeout: %v
    rise: %d
    fall: %d
    metric: %d
    policy: self
    checks:
      - type: tcp_banner
        address: "%v:%d"
        expect: "220"
    drain_time: %v
    maintenance_file: %s%s
`, h.name, o.l.opt.Mode, t.Update, t.Timeout, t.Garbage, trig, o.socket(h), VIP, checkInterval, checkTimeout, checkRise, checkFall,
		o.l.metric(i), h.addr, Port, drainTime(o.l.opt.Timers), o.maintenance(h), cover)
	return os.WriteFile(o.conf(h), []byte(conf), 0o644)
}

func (o *ours) start(_ int, h *host) error {
	if running(h, "anycastd") {
		return nil
	}
	p, err := labns.Start(h.ns, filepath.Join(h.dir, "anycastd.log"), o.l.opt.Anycastd, "-config", o.conf(h))
	if err != nil {
		return err
	}
	h.procs["anycastd"] = p
	return nil
}

func (o *ours) kill(_ int, h *host) {
	if p := h.procs["anycastd"]; p != nil {
		p.Kill()
	}
}

// reboot: a power cycle loses the alias anycastd had put on lo (a
// SIGKILLed anycastd leaves it, as a crash would).
func (o *ours) reboot(_ int, h *host) error {
	_ = h.ns.IP("addr", "del", VIP.String(), "dev", "lo")
	return nil
}

func (o *ours) drain(_ int, h *host, on bool) error {
	if on {
		return os.WriteFile(o.maintenance(h), nil, 0o644)
	}
	return os.Remove(o.maintenance(h))
}

// reference runs the paper's method on each server: FRR zebra and ripd
// redistributing the VIP on lo at the mode's metric, and the cron-style
// check loop.
type reference struct {
	l   *Lab
	frr frrBins
}

func newReference(l *Lab) (*reference, error) {
	f, err := newFRRBins()
	if err != nil {
		return nil, err
	}
	if _, err := LookBinary("bash"); err != nil {
		return nil, err
	}
	return &reference{l: l, frr: f}, nil
}

// cronScript is the paper's cron job as a loop: every period, check the
// service's banner (bash's /dev/tcp, a timeout), and when the result
// changes set the redistribution metric through vtysh: 16 (RIP's
// infinity) while the service fails, M while it passes.
func (r *reference) cronScript(h *host, m uint32) string {
	return fmt.Sprintf(`#!/bin/bash
# anycastlab: the reference's cron-style check on %[1]s (every %[2]d s)
cur=%[3]d
while :; do
	sleep %[2]d
	if timeout %[4]d bash -c 'exec 3<>/dev/tcp/%[5]v/%[6]d && read -r -t %[4]d line <&3 && [[ $line == 220* ]]'; then want=%[3]d; else want=16; fi
	if [ "$want" != "$cur" ]; then
		if %[7]s --vty_socket %[8]s -c 'configure terminal' -c 'router rip' -c "redistribute connected metric $want route-map VIP"; then
			cur=$want
			echo "$(date +%%s.%%N) check: metric $want"
		fi
	fi
done
`, h.name, int(cronPeriod.Seconds()), m, int(cronTimeout.Seconds()), h.addr, Port, r.frr.vtysh, h.dir)
}

func (r *reference) prepare(i int, h *host) error {
	m := r.l.metric(i)
	if err := h.ns.IP("addr", "add", VIP.String(), "dev", "lo"); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(h.dir, "ripd.conf"), []byte(serverRIP(h.name, r.l.opt.Timers, m)), 0o644); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(h.dir, "check.sh"), []byte(r.cronScript(h, m)), 0o755)
}

func (r *reference) start(_ int, h *host) error {
	if err := startZebra(r.frr, h); err != nil {
		return err
	}
	if err := startRIPd(r.frr, h); err != nil {
		return err
	}
	if running(h, "check") {
		return nil
	}
	p, err := labns.Start(h.ns, filepath.Join(h.dir, "check.log"), "/bin/bash", filepath.Join(h.dir, "check.sh"))
	if err != nil {
		return err
	}
	h.procs["check"] = p
	return nil
}

func (r *reference) kill(_ int, h *host) {
	if p := h.procs["ripd"]; p != nil {
		p.Kill()
	}
}

func (r *reference) reboot(int, *host) error { return nil }

// drain: the method has no graceful drain; the operator sets metric 16
// by hand, and back.
func (r *reference) drain(i int, h *host, on bool) error {
	m := r.l.metric(i)
	if on {
		m = 16
	}
	out, err := labns.Output(r.frr.vtysh, "--vty_socket", h.dir, "-c", "configure terminal", "-c", "router rip", "-c", redistribute(m))
	if err != nil {
		return fmt.Errorf("%s: vtysh: %w", h.name, err)
	}
	if s := strings.TrimSpace(out); s != "" {
		r.l.logf("%s: vtysh: %s", h.name, s)
	}
	return nil
}
