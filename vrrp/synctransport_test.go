package vrrp

import (
	"context"
	"net"
	"net/netip"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/switchless/routing"
	"github.com/switchless/routing/vrrp/packet"
)

// syncHub is an in-memory LAN whose transports deliver synchronously from
// inside Send (and JoinGroup), as an in-process loopback transport may
// (routing.Transport's contract). A router that waited on its own lock
// in deliver would deadlock on the first advertisement answered at once.
type syncHub struct {
	mu    sync.Mutex
	ports []*syncPort
	cut   bool // the LAN is partitioned: Send delivers nothing
}

type syncPort struct {
	hub     *syncHub
	src     netip.Addr
	deliver func(routing.Packet) // guarded by hub.mu
	closed  bool                 // guarded by hub.mu
}

func (h *syncHub) port(src netip.Addr) *syncPort {
	p := &syncPort{hub: h, src: src}
	h.mu.Lock()
	h.ports = append(h.ports, p)
	h.mu.Unlock()
	return p
}

// Start delivers a runt at once, from inside Start.
func (p *syncPort) Start(deliver func(routing.Packet)) error {
	p.hub.mu.Lock()
	p.deliver = deliver
	p.hub.mu.Unlock()
	deliver(routing.Packet{Src: netip.MustParseAddr("192.0.2.250"), Dst: packet.GroupIPv4, TTL: 255, Payload: []byte{0x31}})
	return nil
}

// Send delivers to every other started port before it returns. Each
// receiver gets its own copy, scribbled over once its delivery returns:
// a router that kept the payload past the call would decode garbage.
func (p *syncPort) Send(dst netip.Addr, payload []byte) error {
	p.hub.mu.Lock()
	if p.closed {
		p.hub.mu.Unlock()
		return net.ErrClosed
	}
	var to []func(routing.Packet)
	for _, q := range p.hub.ports {
		if q != p && q.deliver != nil && !q.closed && !p.hub.cut {
			to = append(to, q.deliver)
		}
	}
	p.hub.mu.Unlock()
	for _, d := range to {
		b := slices.Clone(payload)
		d(routing.Packet{Src: p.src, Dst: dst, TTL: 255, Payload: b})
		for i := range b {
			b[i] = 0xff
		}
	}
	return nil
}

// JoinGroup delivers a packet with a bad TTL from inside the call.
func (p *syncPort) JoinGroup(g netip.Addr) error {
	p.hub.mu.Lock()
	d := p.deliver
	p.hub.mu.Unlock()
	if d != nil {
		d(routing.Packet{Src: netip.MustParseAddr("192.0.2.251"), Dst: g, TTL: 1, Payload: []byte{0x31, 1, 100, 1, 0, 100, 0, 0}})
	}
	return nil
}

func (p *syncPort) LeaveGroup(netip.Addr) error { return nil }

func (p *syncPort) Close() error {
	p.hub.mu.Lock()
	defer p.hub.mu.Unlock()
	p.closed = true
	return nil
}

// TestSyncTransport_ElectsWithoutDeadlock runs two routers on a transport
// that delivers from inside Send. They start partitioned, so both become
// Master; when the LAN heals, the higher-priority Master answers the
// lower one's advertisement at once (RFC 5798 §6.4.3), from inside the
// lower one's Send, which still holds its router's lock: that delivery
// must be queued, not waited for. Then the higher priority is the only
// Master, the other follows it, and a priority-0 shutdown hands over,
// while another goroutine keeps calling the routers' methods.
func TestSyncTransport_ElectsWithoutDeadlock(t *testing.T) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		syncTransportElection(t)
	}()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("deadlock: the election did not finish")
	}
}

func syncTransportElection(t *testing.T) {
	clock := routing.NewManualClock(time.Time{})
	hub := &syncHub{}
	vip := netip.MustParseAddr("192.0.2.100")
	var rs []*Router
	var addrs []*MemoryAddresses
	// The higher priority advertises less often, so that after the heal
	// the lower Master's advertisement reaches it first.
	intervals := []time.Duration{time.Second, 100 * time.Millisecond}
	for i, prio := range []uint8{200, 100} {
		addr := netip.PrefixFrom(netip.AddrFrom4([4]byte{192, 0, 2, byte(i + 1)}), 24)
		am := NewMemoryAddresses(clock, nil)
		r, err := New(Config{VRID: 7, Priority: prio, Interval: intervals[i], Address: addr, VirtualAddresses: []netip.Addr{vip},
			Tracks: []Track{{Name: "link", Weight: 150}}},
			Env{Clock: clock, Transport: hub.port(addr.Addr()), Addresses: am})
		if err != nil {
			t.Error(err)
			return
		}
		rs, addrs = append(rs, r), append(addrs, am)
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { // API calls from another goroutine, racing the deliveries
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			for _, r := range rs {
				_ = r.Status()
				_ = r.State()
				_ = r.SetTrack("link", true)
			}
		}
	}()
	hub.mu.Lock()
	hub.cut = true
	hub.mu.Unlock()
	for _, r := range rs {
		if err := r.Start(); err != nil {
			t.Error(err)
			return
		}
	}
	clock.Advance(4 * time.Second)
	if rs[0].State() != Master || rs[1].State() != Master {
		t.Errorf("partitioned: states %v, %v; want both Master", rs[0].State(), rs[1].State())
	}
	hub.mu.Lock()
	hub.cut = false
	hub.mu.Unlock()
	clock.Advance(2 * time.Second)
	close(stop)
	wg.Wait()

	if rs[0].State() != Master || rs[1].State() != Backup {
		t.Errorf("states %v, %v; want Master, Backup", rs[0].State(), rs[1].State())
	}
	if got := rs[1].Master(); got != netip.MustParseAddr("192.0.2.1") {
		t.Errorf("backup follows %v", got)
	}
	if len(addrs[0].Owned()) != 1 || len(addrs[1].Owned()) != 0 {
		t.Errorf("owned %v and %v", addrs[0].Owned(), addrs[1].Owned())
	}
	st := rs[1].Status()
	if rs[0].Status().Counters.Reannouncements != 1 {
		t.Errorf("the master did not answer the split brain: %+v", rs[0].Status().Counters)
	}
	if st.Counters.Received == 0 || st.Counters.Drops[DropChecksum] != 0 || st.Counters.Drops[DropTruncated] != 0 {
		t.Errorf("backup counters %+v: payloads corrupted or not received", st.Counters)
	}
	// One packet from inside Start, one from inside JoinGroup: both
	// handled (before the Startup event, so not running) without
	// deadlock.
	if st.Counters.Drops[DropNotRunning] != 2 {
		t.Errorf("packets delivered from inside Start and JoinGroup: drops %+v", st.Counters.Drops)
	}

	// The priority-0 advertisement is delivered from inside Stop's Send.
	if err := rs[0].Stop(context.Background()); err != nil {
		t.Error(err)
	}
	clock.Advance(time.Second)
	if rs[1].State() != Master {
		t.Errorf("after the master's shutdown: %v", rs[1].State())
	}
	if tr := rs[1].Status(); tr.Counters.BecameMaster != 2 { // partitioned, then after the shutdown
		t.Errorf("backup became master %d times", tr.Counters.BecameMaster)
	}
	_ = rs[1].Stop(context.Background())
}
