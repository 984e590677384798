package ring

import (
	"net/netip"
	"strings"

	"github.com/switchless/routing/fib"
)

// Kernel is the forwarding table of one simulated host or router, as the
// Linux kernel keeps it: every routing protocol writes its own routes
// (one fib.Memory per protocol, each a fib.Sink), and a lookup takes the
// longest matching prefix over all of them, then the lowest metric, as
// the kernel does with routes of the same prefix and different
// priorities. Nothing is merged or copied: the static default of an edge
// (metric 0) and the default it learns through OSPF (metric 20) sit side
// by side, and the static one forwards while it exists.
//
// Only the main table is consulted. A Kernel is safe for concurrent use.
type Kernel struct {
	// Connected holds the routes of the directly attached networks (the
	// simulation adds them, as the kernel does for interface addresses).
	Connected *fib.Memory
	// Static holds the static routes (the edges' default).
	Static *fib.Memory
	// OSPF holds what the OSPF instance installs.
	OSPF *fib.Memory
}

// NewKernel returns an empty forwarding table.
func NewKernel() *Kernel {
	return &Kernel{Connected: fib.NewMemory(), Static: fib.NewMemory(), OSPF: fib.NewMemory()}
}

// tables returns the protocol tables in tie-break order (for equal prefix
// and metric the kernel would refuse the second route; the simulation
// prefers connected, then static, then OSPF).
func (k *Kernel) tables() [3]*fib.Memory { return [3]*fib.Memory{k.Connected, k.Static, k.OSPF} }

// Lookup returns the route that forwards dst: the longest prefix over all
// protocols, then the lowest metric.
func (k *Kernel) Lookup(dst netip.Addr) (fib.Route, bool) {
	var best fib.Route
	found := false
	for _, m := range k.tables() {
		r, ok := m.Lookup(0, dst)
		if !ok {
			continue
		}
		if !found || r.Prefix.Bits() > best.Prefix.Bits() ||
			(r.Prefix.Bits() == best.Prefix.Bits() && r.Metric < best.Metric) {
			best, found = r, true
		}
	}
	return best, found
}

// Routes returns every route of every protocol, connected first.
func (k *Kernel) Routes() []fib.Route {
	var out []fib.Route
	for _, m := range k.tables() {
		out = append(out, m.Routes()...)
	}
	return out
}

// Watch registers f for every change of every protocol table and returns
// a function that unregisters it.
func (k *Kernel) Watch(f func(fib.Change)) (cancel func()) {
	var cancels []func()
	for _, m := range k.tables() {
		cancels = append(cancels, m.Watch(f))
	}
	return func() {
		for _, c := range cancels {
			c()
		}
	}
}

// String prints every route in `ip route` style, one per line.
func (k *Kernel) String() string {
	var b strings.Builder
	for _, m := range k.tables() {
		b.WriteString(m.String())
	}
	return b.String()
}
