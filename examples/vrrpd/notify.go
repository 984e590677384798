package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"strconv"
	"time"

	"github.com/switchless/routing/health"
	"github.com/switchless/routing/vrrp"
)

// notifier runs a router's notify command for each transition, in order,
// on its own goroutine: the router's callback only queues.
type notifier struct {
	name, iface string
	cmd         []string
	log         *slog.Logger
	ch          chan vrrp.Transition
	done        chan struct{}
}

func newNotifier(name, iface string, cmd []string, log *slog.Logger) *notifier {
	n := &notifier{name: name, iface: iface, cmd: cmd, log: log, ch: make(chan vrrp.Transition, 64), done: make(chan struct{})}
	go n.loop()
	return n
}

// onEvent is the router's Env.OnEvent: it queues each transition for the
// notify command and never blocks (a full queue drops and logs).
func (n *notifier) onEvent(e vrrp.Event) {
	if e.Kind != vrrp.EventTransition {
		return
	}
	t := e.Transition
	select {
	case n.ch <- t:
	default:
		n.log.Warn("notify queue full, transition not reported", "router", n.name, "to", t.To)
	}
}

// close waits for the queued commands to finish.
func (n *notifier) close() {
	close(n.ch)
	<-n.done
}

func (n *notifier) loop() {
	defer close(n.done)
	for t := range n.ch {
		if len(n.cmd) == 0 {
			continue
		}
		if err := runNotify(n.cmd, n.name, n.iface, t); err != nil {
			n.log.Error("notify command failed", "router", n.name, "to", t.To, "err", err)
		}
	}
}

// runNotify runs cmd with NAME STATE REASON appended and the transition
// in VRRP_* environment variables, bounded to 30 s.
func runNotify(cmd []string, name, iface string, t vrrp.Transition) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	args := append(append([]string(nil), cmd[1:]...), name, t.To.String(), t.Reason.String())
	c := exec.CommandContext(ctx, cmd[0], args...)
	master := ""
	if t.Master.IsValid() {
		master = t.Master.String()
	}
	c.Env = append(os.Environ(),
		"VRRP_NAME="+name,
		"VRRP_INTERFACE="+iface,
		"VRRP_VRID="+strconv.Itoa(int(t.VRID)),
		"VRRP_STATE="+t.To.String(),
		"VRRP_FROM="+t.From.String(),
		"VRRP_REASON="+t.Reason.String(),
		"VRRP_MASTER="+master,
		"VRRP_PRIORITY="+strconv.Itoa(int(t.Priority)),
	)
	if out, err := c.CombinedOutput(); err != nil {
		return fmt.Errorf("%v: %w: %s", cmd, err, out)
	}
	return nil
}

// commandChecker is a health check that runs a command: exit 0 is
// healthy.
func commandChecker(cmd []string) health.Checker {
	return health.CheckFunc(func(ctx context.Context) error {
		if len(cmd) == 0 {
			return fmt.Errorf("no command")
		}
		out, err := exec.CommandContext(ctx, cmd[0], cmd[1:]...).CombinedOutput()
		if err != nil {
			return fmt.Errorf("%v: %w: %s", cmd, err, out)
		}
		return nil
	})
}
