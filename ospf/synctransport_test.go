package ospf

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/switchless/routing"
	"github.com/switchless/routing/netsim"
)

// memSegment is a broadcast segment in memory, with no goroutines of its
// own and no clock: Send hands the packet to every other member that
// listens to the destination by calling its deliver synchronously, from
// inside Send, as an in-process loopback transport may (the Transport
// contract of the root package). With async set, each delivery runs on a
// goroutine of its own instead, so deliveries race with each other and
// with the instance's timers.
type memSegment struct {
	async bool
	wg    sync.WaitGroup // async deliveries in flight

	mu      sync.Mutex
	members []*memPort
}

type memPort struct {
	seg     *memSegment
	ifindex int
	addr    netip.Addr

	mu      sync.Mutex
	deliver func(routing.Packet)
	groups  map[netip.Addr]bool
	closed  bool
}

func (s *memSegment) port(ifindex int, addr netip.Addr) *memPort {
	p := &memPort{seg: s, ifindex: ifindex, addr: addr, groups: map[netip.Addr]bool{}}
	s.mu.Lock()
	s.members = append(s.members, p)
	s.mu.Unlock()
	return p
}

// wait returns once no async delivery is in flight.
func (s *memSegment) wait() { s.wg.Wait() }

func (p *memPort) Start(d func(routing.Packet)) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return net.ErrClosed
	}
	p.deliver = d
	return nil
}

// listener returns p's deliver if p receives packets to dst.
func (p *memPort) listener(dst netip.Addr) func(routing.Packet) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed || p.deliver == nil || (dst != p.addr && !p.groups[dst]) {
		return nil
	}
	return p.deliver
}

func (p *memPort) Send(dst netip.Addr, payload []byte) error {
	p.mu.Lock()
	closed := p.closed
	p.mu.Unlock()
	if closed {
		return net.ErrClosed
	}
	p.seg.mu.Lock()
	members := slices.Clone(p.seg.members)
	p.seg.mu.Unlock()
	for _, m := range members {
		if m == p {
			continue
		}
		d := m.listener(dst)
		if d == nil {
			continue
		}
		pkt := routing.Packet{IfIndex: m.ifindex, Src: p.addr, Dst: dst, TTL: 1}
		if !p.seg.async {
			// The sender's own buffer, valid for the call only: the
			// receiver must copy what it keeps (a posted delivery).
			pkt.Payload = payload
			d(pkt)
			continue
		}
		pkt.Payload = slices.Clone(payload)
		p.seg.wg.Add(1)
		go func() {
			defer p.seg.wg.Done()
			d(pkt)
		}()
	}
	return nil
}

func (p *memPort) JoinGroup(g netip.Addr) error  { return p.setGroup(g, true) }
func (p *memPort) LeaveGroup(g netip.Addr) error { return p.setGroup(g, false) }

func (p *memPort) setGroup(g netip.Addr, on bool) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return net.ErrClosed
	}
	p.groups[g] = on
	return nil
}

func (p *memPort) Close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.closed = true
	p.deliver = nil
	return nil
}

// routeLines renders an instance's routing table for comparison.
func routeLines(in *Instance) string {
	var b strings.Builder
	for _, r := range in.RoutingTable().Routes {
		fmt.Fprintf(&b, "%v %v cost %d adv %v connected %v via %v\n", r.Prefix, r.PathType, r.Cost, r.AdvRouter, r.Connected, r.NextHops)
	}
	return b.String()
}

// threeOnALAN builds, on netsim, r1 and r2 (priority 1) and r3 (priority
// 2) on one broadcast LAN, each with a passive stub network of its own,
// and runs them until every pair is Full and the databases agree.
func threeOnALAN(t *testing.T) *sim {
	s := newSim(t, 7)
	prio := map[string]uint8{"r1": 1, "r2": 1, "r3": 2}
	for i, n := range []string{"r1", "r2", "r3"} {
		r := s.router(n, fmt.Sprintf("%d.%d.%d.%d", i+1, i+1, i+1, i+1))
		p := prio[n]
		r.tweak = func(ic *InterfaceConfig) { ic.Priority = Priority(p) }
	}
	s.segment("lan", "10.0.0.0/24", netsim.Conditions{Latency: time.Millisecond}, "r1", "r2", "r3")
	for i, n := range []string{"r1", "r2", "r3"} {
		s.segment("stub-"+n, fmt.Sprintf("10.1.%d.0/24", i+1), netsim.Conditions{}, n)
		r := s.r(n)
		r.ifcs[len(r.ifcs)-1].Passive = true
	}
	return s
}

// A transport may deliver from inside Send (and from any goroutine):
// three instances on an in-memory LAN that does so reach Full and compute
// the routes they compute on netsim, without deadlock.
func TestSynchronousTransport(t *testing.T) {
	for _, async := range []bool{false, true} {
		name := "from inside Send"
		if async {
			name = "from other goroutines"
		}
		t.Run(name, func(t *testing.T) {
			ref := threeOnALAN(t)
			ref.startAll()
			ref.until(120*time.Second, "Full on netsim", ref.fullCount(map[string]int{"r1": 2, "r2": 2, "r3": 2}))
			ref.until(60*time.Second, "identical LSDBs on netsim", ref.sameLSDB(3))
			want := map[string]string{}
			ref.until(60*time.Second, "routes on netsim", func() error {
				for _, n := range ref.order {
					want[n] = routeLines(ref.r(n).in)
					if strings.Count(want[n], "\n") != 4 { // the LAN and three stubs
						return fmt.Errorf("%s has routes:\n%s", n, want[n])
					}
				}
				return nil
			})

			// The same routers, configurations and addresses on memory
			// segments: one for the LAN, one per stub.
			clock := routing.NewManualClock(time.Unix(1_700_000_000, 0))
			segs := map[netip.Prefix]*memSegment{}
			var events sync.Map // router name → []Event, appended by OnEvent
			ins := map[string]*Instance{}
			var all []*memSegment
			for _, n := range ref.order {
				r := ref.r(n)
				cfg := Config{RouterID: r.rid}
				trs := map[string]routing.Transport{}
				for _, ic := range r.ifcs {
					if r.tweak != nil {
						r.tweak(&ic)
					}
					cfg.Interfaces = append(cfg.Interfaces, ic)
					seg := segs[ic.Prefix.Masked()]
					if seg == nil {
						seg = &memSegment{async: async}
						segs[ic.Prefix.Masked()] = seg
						all = append(all, seg)
					}
					trs[ic.Name] = seg.port(ic.IfIndex, ic.Prefix.Addr())
				}
				var mu sync.Mutex
				var evs []Event
				in, err := New(cfg, Env{Clock: clock, Transports: trs, OnEvent: func(e Event) {
					mu.Lock()
					evs = append(evs, e)
					mu.Unlock()
				}})
				if err != nil {
					t.Fatal(err)
				}
				events.Store(n, func() []Event { mu.Lock(); defer mu.Unlock(); return slices.Clone(evs) })
				ins[n] = in
			}
			settle := func() {
				for _, s := range all {
					s.wait()
				}
			}
			for _, n := range ref.order {
				if err := ins[n].Start(); err != nil {
					t.Fatal(err)
				}
			}
			defer func() {
				for _, in := range ins {
					_ = in.Stop(context.Background())
				}
				settle()
			}()
			until := func(limit time.Duration, what string, cond func() error) {
				t.Helper()
				start := clock.Now()
				for {
					settle()
					err := cond()
					if err == nil {
						return
					}
					if clock.Now().Sub(start) >= limit {
						t.Fatalf("%s: not reached after %v of virtual time: %v", what, limit, err)
					}
					clock.Advance(100 * time.Millisecond)
				}
			}
			until(120*time.Second, "Full", func() error {
				for _, n := range ref.order {
					full := 0
					for _, nb := range ins[n].Neighbors() {
						if nb.State == NbrFull {
							full++
						}
					}
					if full != 2 {
						return fmt.Errorf("%s: %v", n, ins[n].Neighbors())
					}
				}
				return nil
			})
			until(60*time.Second, "the routes computed on netsim", func() error {
				for _, n := range ref.order {
					if got := routeLines(ins[n]); got != want[n] {
						return fmt.Errorf("%s routes:\n%s\nwant (netsim):\n%s", n, got, want[n])
					}
				}
				return nil
			})
			// Events came, and neighbor events of each router are in
			// order: every transition starts where the previous one of
			// the same neighbor ended.
			for _, n := range ref.order {
				v, _ := events.Load(n)
				evs := v.(func() []Event)()
				last := map[netip.Addr]NeighborState{}
				kinds := map[EventKind]int{}
				for _, e := range evs {
					kinds[e.Kind]++
					if e.Kind != EventNeighborState {
						continue
					}
					if e.OldNeighbor != last[e.Neighbor] {
						t.Errorf("%s: %v after a transition to %v", n, e, last[e.Neighbor])
					}
					last[e.Neighbor] = e.NewNeighbor
				}
				for _, k := range []EventKind{EventLSDBChanged, EventNeighborState, EventInterfaceState, EventRoutingTable} {
					if kinds[k] == 0 {
						t.Errorf("%s: no %v event", n, k)
					}
				}
			}
		})
	}
}
