package ospf

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/switchless/routing"
	"github.com/switchless/routing/netsim"
	"github.com/switchless/routing/ospf/packet"
)

// Reconfigure tests: running simulated networks get a new Config and must
// change exactly what the RFC says the difference changes.

// rcNet is a sim whose routers record their events.
type rcNet struct {
	*sim
	mu  sync.Mutex
	evs map[string][]Event
}

func newRCNet(t *testing.T, seed int64) *rcNet {
	return &rcNet{sim: newSim(t, seed), evs: map[string][]Event{}}
}

// record makes router name's next start record its events.
func (n *rcNet) record(name string) {
	n.r(name).onEvent = func(e Event) {
		n.mu.Lock()
		n.evs[name] = append(n.evs[name], e)
		n.mu.Unlock()
	}
}

// startRecorded starts every router, recording events.
func (n *rcNet) startRecorded() {
	for _, name := range n.order {
		n.record(name)
		n.start(name)
	}
}

// mark forgets the events so far.
func (n *rcNet) mark() {
	n.mu.Lock()
	clear(n.evs)
	n.mu.Unlock()
}

// stateEvents returns the neighbor and interface state changes of router
// name since mark, as strings.
func (n *rcNet) stateEvents(name string) []string {
	n.mu.Lock()
	defer n.mu.Unlock()
	var out []string
	for _, e := range n.evs[name] {
		switch e.Kind {
		case EventNeighborState:
			out = append(out, fmt.Sprintf("%s nbr %v %v→%v", e.Interface, e.Neighbor, e.OldNeighbor, e.NewNeighbor))
		case EventInterfaceState:
			out = append(out, fmt.Sprintf("%s if %v→%v", e.Interface, e.OldInterface, e.NewInterface))
		}
	}
	return out
}

// lsdbChanges returns the database changes router name saw since mark.
func (n *rcNet) lsdbChanges(name string) []LSDBChange {
	n.mu.Lock()
	defer n.mu.Unlock()
	var out []LSDBChange
	for _, e := range n.evs[name] {
		if e.Kind == EventLSDBChanged {
			out = append(out, e.LSDB...)
		}
	}
	return out
}

// curConfig returns a copy of the instance's configuration.
func curConfig(in *Instance) Config {
	in.mu.Lock()
	defer in.mu.Unlock()
	c := in.cfg
	c.Interfaces = slices.Clone(c.Interfaces)
	return c
}

// seqs maps every LSA of in's database to its sequence number.
func seqs(in *Instance) map[packet.LSAKey]int32 {
	out := map[packet.LSAKey]int32{}
	for _, e := range in.LSDB(LSDBFilter{}) {
		out[e.LSA.Header.Key()] = e.LSA.Header.Seq
	}
	return out
}

func routerKey(rid string) packet.LSAKey {
	a := netip.MustParseAddr(rid)
	return packet.LSAKey{Type: packet.LSTypeRouter, ID: a, AdvRouter: a}
}

// nextHopIfaces lists the interfaces of in's route to p, sorted.
func nextHopIfaces(in *Instance, p string) []string {
	r, ok := in.RoutingTable().Lookup(netip.MustParsePrefix(p))
	if !ok {
		return nil
	}
	var out []string
	for _, nh := range r.NextHops {
		out = append(out, nh.Interface)
	}
	slices.Sort(out)
	return out
}

// triangle is r1, r2, r3 joined pairwise by point-to-point links,
// all Full, databases identical and past MinLSInterval.
func triangle(t *testing.T, setup ...func(*rcNet)) *rcNet {
	t.Helper()
	n := newRCNet(t, 3)
	n.router("r1", "10.255.0.1")
	n.router("r2", "10.255.0.2")
	n.router("r3", "10.255.0.3")
	cond := netsim.Conditions{Latency: time.Millisecond}
	n.link("r1", "r2", "10.0.12.0/30", cond)
	n.link("r2", "r3", "10.0.23.0/30", cond)
	n.link("r1", "r3", "10.0.13.0/30", cond)
	for _, f := range setup {
		f(n)
	}
	n.startRecorded()
	n.until(time.Minute, "Full", n.fullCount(map[string]int{"r1": 2, "r2": 2, "r3": 2}))
	n.until(time.Minute, "identical LSDBs", n.sameLSDB(3))
	n.clock.Advance(2 * MinLSInterval)
	n.until(time.Minute, "identical LSDBs", n.sameLSDB(3))
	return n
}

// reconfigure calls Reconfigure and fails the test on an error.
func (n *rcNet) reconfigure(name string, cfg Config, added map[string]routing.Transport) {
	n.t.Helper()
	if err := n.r(name).in.Reconfigure(context.Background(), cfg, added); err != nil {
		n.t.Fatalf("%s: Reconfigure: %v", name, err)
	}
}

// TestReconfigure_12_4_CostChangeOnlyRouterLSA: a cost change on the
// middle router is one new instance of its router-LSA (§12.4: a new
// instance when the contents change), seen by every router, and nothing
// else: no neighbor or interface event anywhere, no other LSA
// re-originated, and the routing tables move as the new cost says.
func TestReconfigure_12_4_CostChangeOnlyRouterLSA(t *testing.T) {
	n := triangle(t)
	// Before: r2 reaches 10.0.13.0/30 both ways at 20; r3 reaches
	// 10.0.12.0/30 through r1 and r2 at 20.
	r2to13 := nextHopIfaces(n.r("r2").in, "10.0.13.0/30")
	r3to12 := nextHopIfaces(n.r("r3").in, "10.0.12.0/30")
	if len(r2to13) != 2 || len(r3to12) != 2 {
		t.Fatalf("before: r2→10.0.13.0/30 via %v, r3→10.0.12.0/30 via %v; want ECMP both", r2to13, r3to12)
	}
	before := map[string]map[packet.LSAKey]int32{}
	for _, name := range n.order {
		before[name] = seqs(n.r(name).in)
	}
	n.mark()

	cfg := curConfig(n.r("r2").in)
	r2to1 := n.r("r2").ifaceOn("10.0.12.0/30").Name
	for i := range cfg.Interfaces {
		if cfg.Interfaces[i].Name == r2to1 {
			cfg.Interfaces[i].Cost = 50
		}
	}
	n.reconfigure("r2", cfg, nil)
	n.until(time.Minute, "identical LSDBs", n.sameLSDB(3))
	n.clock.Advance(30 * time.Second)

	r2 := routerKey("10.255.0.2")
	for _, name := range n.order {
		if ev := n.stateEvents(name); len(ev) > 0 {
			t.Errorf("%s: state changes after a cost change: %v", name, ev)
		}
		after := seqs(n.r(name).in)
		for k, s := range after {
			want := before[name][k]
			if k == r2 {
				want++
			}
			if s != want {
				t.Errorf("%s: %v seq %#x, want %#x", name, k, uint32(s), uint32(want))
			}
		}
		if len(after) != len(before[name]) {
			t.Errorf("%s: %d LSAs, had %d", name, len(after), len(before[name]))
		}
		for _, ch := range n.lsdbChanges(name) {
			if ch.Key != r2 {
				t.Errorf("%s: database change of %v after r2's cost change", name, ch.Key)
			}
		}
	}
	rl, _ := routerLSA(n.r("r1").in, "10.255.0.2")
	var metrics []string
	for _, l := range rl.Links {
		metrics = append(metrics, fmt.Sprintf("%v:%v=%d", l.Type, l.ID, l.Metric))
	}
	slices.Sort(metrics)
	want := []string{"PointToPoint:10.255.0.1=50", "PointToPoint:10.255.0.3=10", "Stub:10.0.12.0=50", "Stub:10.0.23.0=10"}
	if !slices.Equal(metrics, want) {
		t.Errorf("r2's router-LSA at r1: %v, want %v", metrics, want)
	}
	r2via3 := n.r("r2").ifaceOn("10.0.23.0/30").Name
	r3via1 := n.r("r3").ifaceOn("10.0.13.0/30").Name
	if got := nextHopIfaces(n.r("r2").in, "10.0.13.0/30"); !slices.Equal(got, []string{r2via3}) {
		t.Errorf("after: r2→10.0.13.0/30 via %v, want only %s (the cost-50 link lost)", got, r2via3)
	}
	if got := nextHopIfaces(n.r("r3").in, "10.0.12.0/30"); !slices.Equal(got, []string{r3via1}) {
		t.Errorf("after: r3→10.0.12.0/30 via %v, want only %s", got, r3via1)
	}
}

// TestReconfigure_9_3_InterfaceAdded: an interface added to r1 comes up
// as at Start (§9.3 InterfaceUp), forms its adjacency and puts its network
// in the router-LSA; r1's other adjacency sees no event.
func TestReconfigure_9_3_InterfaceAdded(t *testing.T) {
	n := newRCNet(t, 4)
	n.router("r1", "10.255.0.1")
	n.router("r2", "10.255.0.2")
	n.router("r3", "10.255.0.3")
	cond := netsim.Conditions{Latency: time.Millisecond}
	n.link("r1", "r2", "10.0.12.0/30", cond)
	n.link("r1", "r3", "10.0.13.0/30", cond)
	r1 := n.r("r1")
	extra := r1.ifcs[1]
	r1.ifcs = r1.ifcs[:1] // r1 starts without its link to r3
	n.startRecorded()
	n.until(time.Minute, "r1-r2 Full", n.fullCount(map[string]int{"r1": 1, "r2": 1, "r3": 0}))
	n.clock.Advance(2 * MinLSInterval)
	n.mark()

	cfg := curConfig(r1.in)
	cfg.Interfaces = append(cfg.Interfaces, extra)
	tr, err := r1.atts[extra.Name].Transport(netsim.TransportConfig{IPProto: netsim.ProtoOSPF})
	if err != nil {
		t.Fatal(err)
	}
	n.reconfigure("r1", cfg, map[string]routing.Transport{extra.Name: tr})
	n.until(time.Minute, "all Full", n.fullCount(map[string]int{"r1": 2, "r2": 1, "r3": 1}))
	n.until(time.Minute, "identical LSDBs", n.sameLSDB(3))
	for _, ev := range n.stateEvents("r1") {
		if !strings.HasPrefix(ev, extra.Name+" ") {
			t.Errorf("r1: state change off the added interface: %s", ev)
		}
	}
	if ev := n.stateEvents("r2"); len(ev) > 0 {
		t.Errorf("r2: state changes: %v", ev)
	}
	rl, _ := routerLSA(n.r("r2").in, "10.255.0.1")
	if got := linkTypes(rl); !slices.Contains(got, "Stub:10.0.13.0") || !slices.Contains(got, "PointToPoint:10.255.0.3") {
		t.Errorf("r1's router-LSA lacks the added interface: %v", got)
	}
	if got := nextHopIfaces(n.r("r2").in, "10.0.13.0/30"); len(got) != 1 {
		t.Errorf("r2 has no route to the added network: %v", got)
	}
	if st := r1.in.Interfaces(); len(st) != 2 || st[1].Name != extra.Name {
		t.Errorf("r1's interfaces: %+v", st)
	}
}

// TestReconfigure_9_3_InterfaceRemoved: removing r1's link to r3 is §9.3
// InterfaceDown on it (KillNbr on r3, §10.3), a router-LSA without it
// (§12.4) and its transport closed; r1's adjacency with r2 sees nothing,
// and the routes move to the remaining path.
func TestReconfigure_9_3_InterfaceRemoved(t *testing.T) {
	n := triangle(t)
	r1 := n.r("r1")
	gone := r1.ifaceOn("10.0.13.0/30").Name
	tr := r1.in.byName[gone].tr
	n.mark()
	cfg := curConfig(r1.in)
	cfg.Interfaces = slices.DeleteFunc(cfg.Interfaces, func(ic InterfaceConfig) bool { return ic.Name == gone })
	statsBefore := r1.in.Stats()
	n.reconfigure("r1", cfg, nil)

	if err := tr.Send(packet.AllSPFRouters, []byte{1}); !errors.Is(err, net.ErrClosed) {
		t.Errorf("the removed interface's transport is not closed: Send = %v", err)
	}
	want := []string{gone + " nbr 10.255.0.3 Full→Down", gone + " if Point-to-point→Down"}
	if got := n.stateEvents("r1"); !slices.Equal(got, want) {
		t.Errorf("r1's state changes = %v, want %v", got, want)
	}
	if err := r1.in.InterfaceDown(gone); !errors.Is(err, ErrNoInterface) {
		t.Errorf("the removed interface is still known: InterfaceDown = %v", err)
	}
	for _, st := range r1.in.Interfaces() {
		if st.Name == gone {
			t.Errorf("Interfaces lists the removed %s", gone)
		}
	}
	if s := r1.in.Stats(); s.Received[packet.TypeHello] < statsBefore.Received[packet.TypeHello] {
		t.Errorf("Stats went backwards: %d hellos received, had %d", s.Received[packet.TypeHello], statsBefore.Received[packet.TypeHello])
	}
	// r3 notices after RouterDeadInterval (no goodbye in OSPFv2).
	n.until(time.Minute, "r3 drops r1", n.fullCount(map[string]int{"r1": 1, "r2": 2, "r3": 1}))
	n.until(time.Minute, "identical LSDBs", n.sameLSDB(3))
	for _, name := range []string{"r2"} {
		if ev := n.stateEvents(name); len(ev) > 0 {
			t.Errorf("%s: state changes: %v", name, ev)
		}
	}
	rl, _ := routerLSA(n.r("r2").in, "10.255.0.1")
	if got, want := linkTypes(rl), []string{"PointToPoint:10.255.0.2", "Stub:10.0.12.0"}; !slices.Equal(got, want) {
		t.Errorf("r1's router-LSA: %v, want %v", got, want)
	}
	if got := nextHopIfaces(r1.in, "10.0.23.0/30"); !slices.Equal(got, []string{r1.ifaceOn("10.0.12.0/30").Name}) {
		t.Errorf("r1→10.0.23.0/30 via %v, want the link to r2 alone", got)
	}
}

// TestReconfigure_12_4_2_RemovedDRFlushesNetworkLSA: r1 is DR of a
// segment with r2; removing that interface from r1 flushes its
// network-LSA (§12.4.2: no longer DR; §14.1 premature aging), which r3,
// reached by another link, sees go.
func TestReconfigure_12_4_2_RemovedDRFlushesNetworkLSA(t *testing.T) {
	n := newRCNet(t, 5)
	n.router("r1", "10.255.0.9") // highest Router ID: DR (§9.4)
	n.router("r2", "10.255.0.2")
	n.router("r3", "10.255.0.3")
	cond := netsim.Conditions{Latency: time.Millisecond}
	n.segment("lan", "10.0.0.0/24", cond, "r1", "r2")
	n.link("r1", "r3", "10.0.13.0/30", cond)
	n.link("r2", "r3", "10.0.23.0/30", cond)
	n.startRecorded()
	n.until(2*time.Minute, "Full", n.fullCount(map[string]int{"r1": 2, "r2": 2, "r3": 2}))
	n.until(time.Minute, "identical LSDBs", n.sameLSDB(3))
	netKey := packet.LSAKey{Type: packet.LSTypeNetwork, ID: netip.MustParseAddr("10.0.0.1"), AdvRouter: netip.MustParseAddr("10.255.0.9")}
	if _, ok := n.r("r3").in.LookupLSA(netKey); !ok {
		t.Fatal("r3 lacks r1's network-LSA")
	}
	n.clock.Advance(2 * MinLSInterval)
	r1 := n.r("r1")
	lan := r1.ifaceOn("10.0.0.0/24").Name
	cfg := curConfig(r1.in)
	cfg.Interfaces = slices.DeleteFunc(cfg.Interfaces, func(ic InterfaceConfig) bool { return ic.Name == lan })
	n.reconfigure("r1", cfg, nil)
	n.until(time.Minute, "the network-LSA flushed at r3", func() error {
		e, ok := n.r("r3").in.LookupLSA(netKey)
		if ok && packet.LSAge(e.LSA.Header.Age) != packet.MaxAge {
			return fmt.Errorf("r3 still holds %v at age %d", netKey, e.LSA.Header.Age)
		}
		return nil
	})
}

// TestReconfigure_D3_KeyRotationNoFlap: a key rotation on an MD5 link
// (RFC 2328 D.3, several keys at once) done in three reloads on both
// ends — add key 2, sign with key 2, drop key 1 — never resets the
// adjacency, and the link ends up signed with key 2 alone.
func TestReconfigure_D3_KeyRotationNoFlap(t *testing.T) {
	n := newRCNet(t, 6)
	n.router("r1", "10.255.0.1")
	n.router("r2", "10.255.0.2")
	k1 := Key{ID: 1, Algorithm: packet.AlgMD5, Secret: []byte("one")}
	k2 := Key{ID: 2, Algorithm: packet.AlgHMACSHA256, Secret: []byte("two")}
	n.link("r1", "r2", "10.0.12.0/30", netsim.Conditions{Latency: time.Millisecond}, func(ic *InterfaceConfig) {
		ic.Auth = AuthConfig{Type: packet.AuthCrypto, Keys: []Key{k1}}
	})
	n.startRecorded()
	n.until(time.Minute, "Full", n.fullCount(map[string]int{"r1": 1, "r2": 1}))
	n.mark()
	for step, keys := range [][]Key{{k1, k2}, {k2, k1}, {k2}} {
		for _, name := range []string{"r1", "r2"} {
			cfg := curConfig(n.r(name).in)
			cfg.Interfaces[0].Auth.Keys = keys
			n.reconfigure(name, cfg, nil)
			// The other end reloads a few seconds later.
			n.clock.Advance(3 * time.Second)
		}
		n.clock.Advance(2 * DefaultHelloInterval)
		for _, name := range []string{"r1", "r2"} {
			if ev := n.stateEvents(name); len(ev) > 0 {
				t.Fatalf("step %d: %s: state changes: %v", step, name, ev)
			}
		}
	}
	// Key 1 is gone on both ends: what keeps the adjacency now is key 2.
	n.clock.Advance(2 * time.Minute)
	n.until(time.Second, "Full", n.fullCount(map[string]int{"r1": 1, "r2": 1}))
	for _, name := range []string{"r1", "r2"} {
		if ev := n.stateEvents(name); len(ev) > 0 {
			t.Errorf("%s: state changes: %v", name, ev)
		}
		if d := n.r(name).in.Stats().Dropped; d[DropAuth]+d[DropAuthType] > 0 {
			t.Errorf("%s dropped packets for authentication: %v", name, d)
		}
	}
}

// TestReconfigure_AuthTypeChangeInPlace: changing the AuType on one end
// does not reset the interface (no state change at once); the peer drops
// our packets until it changes too, and if it does within
// RouterDeadInterval, the adjacency never goes down.
func TestReconfigure_AuthTypeChangeInPlace(t *testing.T) {
	n := newRCNet(t, 7)
	n.router("r1", "10.255.0.1")
	n.router("r2", "10.255.0.2")
	n.link("r1", "r2", "10.0.12.0/30", netsim.Conditions{Latency: time.Millisecond})
	n.startRecorded()
	n.until(time.Minute, "Full", n.fullCount(map[string]int{"r1": 1, "r2": 1}))
	n.mark()
	auth := AuthConfig{Type: packet.AuthSimple, Password: "secret"}
	cfg := curConfig(n.r("r1").in)
	cfg.Interfaces[0].Auth = auth
	n.reconfigure("r1", cfg, nil)
	n.clock.Advance(DefaultHelloInterval + time.Second)
	if d := n.r("r2").in.Stats().Dropped[DropAuthType]; d == 0 {
		t.Error("r2 accepted r1's packets of another AuType")
	}
	cfg = curConfig(n.r("r2").in)
	cfg.Interfaces[0].Auth = auth
	n.reconfigure("r2", cfg, nil)
	n.clock.Advance(time.Minute)
	for _, name := range []string{"r1", "r2"} {
		if ev := n.stateEvents(name); len(ev) > 0 {
			t.Errorf("%s: state changes: %v", name, ev)
		}
	}
	n.until(time.Second, "Full", n.fullCount(map[string]int{"r1": 1, "r2": 1}))
}

// reconfSnapshot is everything an invalid Reconfigure must leave as it
// was.
type reconfSnapshot struct {
	cfg   Config
	lsdb  string
	nbrs  []NeighborStatus
	ifs   []InterfaceStatus
	stats Stats
	spf   SPFStatus
}

func snapshot(in *Instance) reconfSnapshot {
	return reconfSnapshot{cfg: curConfig(in), lsdb: lsdbDigest(in), nbrs: in.Neighbors(), ifs: in.Interfaces(), stats: in.Stats(), spf: in.SPFStatus()}
}

// failStart is a transport whose Start fails.
type failStart struct {
	routing.Transport
	closed bool
}

func (f *failStart) Start(func(routing.Packet)) error { return errors.New("no such device") }
func (f *failStart) Close() error                     { f.closed = true; return nil }

// TestReconfigure_InvalidChangesNothing: every rejected Reconfigure leaves
// the configuration, database, neighbors, interfaces, counters and SPF
// state as they were, and wraps the right sentinel.
func TestReconfigure_InvalidChangesNothing(t *testing.T) {
	n := triangle(t)
	r1 := n.r("r1")
	n.mark()
	base := curConfig(r1.in)
	newLink, _, err := n.net.Link(r1.node, n.r("r2").node, netsim.LinkConfig{
		AAddrs: []netip.Prefix{netip.MustParsePrefix("10.0.99.1/30")}, BAddrs: []netip.Prefix{netip.MustParsePrefix("10.0.99.2/30")},
	})
	if err != nil {
		t.Fatal(err)
	}
	tr, err := newLink.Transport(netsim.TransportConfig{IPProto: netsim.ProtoOSPF})
	if err != nil {
		t.Fatal(err)
	}
	added := InterfaceConfig{Name: newLink.Name(), IfIndex: newLink.Index(), Prefix: netip.MustParsePrefix("10.0.99.1/30"), Network: NetworkPointToPoint}
	fs := &failStart{}
	cases := []struct {
		name   string
		change func(*Config) map[string]routing.Transport
		want   error
		field  string
	}{
		{"bad hello interval", func(c *Config) map[string]routing.Transport {
			c.Interfaces[0].HelloInterval = 1500 * time.Millisecond
			c.Interfaces[1].Cost = 99 // a valid change beside it is not applied either
			return nil
		}, ErrInvalidConfig, "HelloInterval"},
		{"router id", func(c *Config) map[string]routing.Transport {
			c.RouterID = netip.MustParseAddr("10.255.0.99")
			return nil
		}, ErrRestartRequired, "router_id"},
		{"new interface without transport", func(c *Config) map[string]routing.Transport {
			c.Interfaces = append(c.Interfaces, added)
			return nil
		}, ErrInvalidConfig, added.Name},
		{"extra transport", func(c *Config) map[string]routing.Transport {
			return map[string]routing.Transport{added.Name: tr}
		}, ErrInvalidConfig, added.Name},
		{"transport for a running interface", func(c *Config) map[string]routing.Transport {
			return map[string]routing.Transport{c.Interfaces[0].Name: tr}
		}, ErrInvalidConfig, "already running"},
		{"bfd without liveness", func(c *Config) map[string]routing.Transport {
			c.Interfaces[0].BFD = true
			return nil
		}, ErrInvalidConfig, "Liveness"},
		{"duplicate interface", func(c *Config) map[string]routing.Transport {
			c.Interfaces = append(c.Interfaces, c.Interfaces[0])
			return nil
		}, ErrInvalidConfig, "appears twice"},
		{"transport fails to start", func(c *Config) map[string]routing.Transport {
			c.Interfaces = append(c.Interfaces, added)
			c.Interfaces[0].Cost = 77
			return map[string]routing.Transport{added.Name: fs}
		}, nil, "no such device"},
	}
	for _, tc := range cases {
		before := snapshot(r1.in)
		cfg := base
		cfg.Interfaces = slices.Clone(base.Interfaces)
		add := tc.change(&cfg)
		err := r1.in.Reconfigure(context.Background(), cfg, add)
		switch {
		case err == nil:
			t.Errorf("%s: accepted", tc.name)
		case tc.want != nil && !errors.Is(err, tc.want):
			t.Errorf("%s: %v does not wrap %v", tc.name, err, tc.want)
		case !strings.Contains(err.Error(), tc.field):
			t.Errorf("%s: %v does not name %q", tc.name, err, tc.field)
		}
		n.clock.Advance(0) // run whatever the call might have scheduled
		if after := snapshot(r1.in); !reflect.DeepEqual(before, after) {
			t.Errorf("%s: changed the instance:\nbefore %+v\nafter  %+v", tc.name, before, after)
		}
	}
	for _, name := range n.order {
		if ev := n.stateEvents(name); len(ev) > 0 {
			t.Errorf("%s: state changes: %v", name, ev)
		}
	}
	// The transport Reconfigure failed to start is the caller's still;
	// one that was never started is not closed behind its back.
	if fs.closed {
		t.Error("a transport that failed to start was closed")
	}
}
