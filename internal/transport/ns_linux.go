package transport

import (
	"errors"
	"fmt"
	"runtime"
	"strings"

	"github.com/vishvananda/netns"
)

// InNamespace runs f on an OS thread switched into the network namespace
// name, and returns f's error. name is a namespace under /run/netns (as
// made by `ip netns add`) or, when it contains a slash, a path such as
// /proc/PID/ns/net; an empty name runs f in the caller's namespace.
//
// Sockets and netlink handles created inside f belong to that namespace
// for their whole life, whatever thread later uses them; this is how the
// transports are opened in a namespace (see IPConfig.Namespace). f must
// not start goroutines that expect to run inside the namespace: only the
// thread running f is switched. The calling goroutine is not affected.
func InNamespace(name string, f func() error) error {
	if name == "" {
		return f()
	}
	errc := make(chan error, 1)
	// A fresh goroutine, so that a thread that cannot be switched back is
	// thrown away by the runtime (it exits while locked) instead of being
	// handed back to the caller.
	go func() {
		runtime.LockOSThread()
		orig, err := netns.Get()
		if err != nil {
			runtime.UnlockOSThread()
			errc <- fmt.Errorf("transport: current network namespace: %w", err)
			return
		}
		defer orig.Close()
		var target netns.NsHandle
		if strings.Contains(name, "/") {
			target, err = netns.GetFromPath(name)
		} else {
			target, err = netns.GetFromName(name)
		}
		if err != nil {
			runtime.UnlockOSThread()
			errc <- fmt.Errorf("transport: network namespace %q: %w", name, err)
			return
		}
		defer target.Close()
		if err := netns.Set(target); err != nil {
			runtime.UnlockOSThread()
			errc <- fmt.Errorf("transport: enter network namespace %q: %w", name, err)
			return
		}
		ferr := f()
		if err := netns.Set(orig); err != nil {
			// Stay locked: the runtime ends this thread with the goroutine.
			errc <- errors.Join(ferr, fmt.Errorf("transport: leave network namespace %q: %w", name, err))
			return
		}
		runtime.UnlockOSThread()
		errc <- ferr
	}()
	return <-errc
}
