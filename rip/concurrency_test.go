package rip

import (
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/switchless/routing"
)

// syncTr joins two instances with transports that deliver synchronously
// from inside Send, the loopback case of the Transport contract.
type syncTr struct {
	src     netip.Addr
	deliver func(routing.Packet)
	peer    *syncTr
	mu      sync.Mutex
	closed  bool
	n       int
}

func (t *syncTr) Start(d func(routing.Packet)) error { t.deliver = d; return nil }
func (t *syncTr) Send(dst netip.Addr, b []byte) error {
	return t.SendTo(netip.AddrPortFrom(dst, 520), b)
}
func (t *syncTr) SendTo(dst netip.AddrPort, b []byte) error {
	t.mu.Lock()
	t.n++
	closed := t.closed
	t.mu.Unlock()
	if closed || t.peer.deliver == nil || t.peer.closed {
		return nil
	}
	t.peer.deliver(routing.Packet{Src: t.src, Dst: dst.Addr(), SrcPort: 520, Payload: b})
	return nil
}
func (t *syncTr) JoinGroup(netip.Addr) error  { return nil }
func (t *syncTr) LeaveGroup(netip.Addr) error { return nil }
func (t *syncTr) Close() error                { t.mu.Lock(); t.closed = true; t.mu.Unlock(); return nil }

// A transport delivering from inside Send (to the other instance, which
// answers from inside its own Send) neither deadlocks nor loses the
// packets: both learn each other's stub networks; events run after the
// lock, so OnEvent may call the instance.
func TestDeliverFromInsideSend(t *testing.T) {
	clock := routing.NewManualClock(epoch)
	ta := &syncTr{src: ip("10.0.0.1")}
	tb := &syncTr{src: ip("10.0.0.2")}
	ta.peer, tb.peer = tb, ta
	self := &fakeTr{}
	cfgA := Config{Interfaces: []InterfaceConfig{{Name: "eth0", Prefix: pfx("10.0.0.1/24")}, {Name: "lo", Prefix: pfx("192.168.1.1/24"), Passive: true}}}
	cfgB := Config{Interfaces: []InterfaceConfig{{Name: "eth0", Prefix: pfx("10.0.0.2/24")}}}
	var a *Instance
	var seen []string
	a, err := New(cfgA, Env{Clock: clock, Transports: trMap("eth0", ta, "lo", self), OnEvent: func(e Event) {
		_ = a.Routes() // re-entering the instance from OnEvent is allowed
		seen = append(seen, e.String())
	}})
	if err != nil {
		t.Fatal(err)
	}
	b, err := New(cfgB, Env{Clock: clock, Transports: trMap("eth0", tb)})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := b.Start(); err != nil {
			t.Error(err)
		}
		if err := a.Start(); err != nil {
			t.Error(err)
		}
		clock.Advance(time.Minute)
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("deadlock")
	}
	if rt, ok := b.Route(pfx("192.168.1.0/24")); !ok || rt.Metric != 2 {
		t.Fatalf("b did not learn a's stub: %v", b.Routes())
	}
	if len(seen) == 0 {
		t.Fatal("no events")
	}
	_ = a.Stop(t.Context())
	_ = b.Stop(t.Context())
}

// Deliveries from many goroutines while API calls run: no race, no
// deadlock (run with -race).
func TestConcurrentDeliveries(t *testing.T) {
	r := newRig(t, nil)
	var wg sync.WaitGroup
	payload, _ := resp(rte("172.16.0.0/16", 1)).AppendBinary(nil)
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := range 200 {
				if g == 0 {
					_ = r.inst.Announce(pfx("198.51.100.0/24"), 1+k%10, 0)
					_ = r.inst.Routes()
					continue
				}
				r.tr["eth0"].deliver(routing.Packet{Src: n2, SrcPort: 520, Payload: payload})
			}
		}()
	}
	wg.Wait()
	if r.metric("172.16.0.0/16") != 2 {
		t.Fatal("route lost")
	}
}
