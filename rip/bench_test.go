package rip

import (
	"net/netip"
	"runtime"
	"testing"

	"github.com/switchless/routing"
	"github.com/switchless/routing/rip/packet"
)

type discardTr struct {
	deliver func(routing.Packet)
	n       int
}

func (t *discardTr) Start(d func(routing.Packet)) error  { t.deliver = d; return nil }
func (t *discardTr) Send(netip.Addr, []byte) error       { t.n++; return nil }
func (t *discardTr) SendTo(netip.AddrPort, []byte) error { t.n++; return nil }
func (t *discardTr) JoinGroup(netip.Addr) error          { return nil }
func (t *discardTr) LeaveGroup(netip.Addr) error         { return nil }
func (t *discardTr) Close() error                        { return nil }

// bigTable returns an instance that learnt n routes on eth0 from
// 10.0.0.2, and the heap bytes the routes take.
func bigTable(b *testing.B, n int) (*Instance, map[string]*discardTr, float64) {
	cfg := Config{Interfaces: []InterfaceConfig{
		{Name: "eth0", Prefix: pfx("10.0.0.1/24")},
		{Name: "eth1", Prefix: pfx("10.0.1.1/24")},
	}}
	trs := map[string]*discardTr{"eth0": {}, "eth1": {}}
	inst, err := New(cfg, Env{Clock: routing.NewManualClock(epoch), Transports: trMap("eth0", trs["eth0"], "eth1", trs["eth1"])})
	if err != nil {
		b.Fatal(err)
	}
	if err := inst.Start(); err != nil {
		b.Fatal(err)
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	m := packet.Message{Command: packet.Response, Version: 2}
	for k := 0; k < n; k += 25 {
		m.Entries = m.Entries[:0]
		for j := k; j < min(k+25, n); j++ {
			p := netip.PrefixFrom(netip.AddrFrom4([4]byte{100, byte(j >> 8), byte(j), 0}), 24)
			m.Entries = append(m.Entries, packet.RouteEntry(p, netip.Addr{}, uint32(1+j%14), 0))
		}
		raw, _ := m.AppendBinary(nil)
		trs["eth0"].deliver(routing.Packet{Src: ip("10.0.0.2"), SrcPort: 520, Payload: raw})
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	if got := len(inst.Routes()); got != n+2 {
		b.Fatalf("%d routes", got)
	}
	return inst, trs, float64(after.HeapAlloc-before.HeapAlloc) / float64(n)
}

// One full regular update of a 10,000-route table on one interface,
// split horizon applied: 400 messages.
func BenchmarkFullUpdate10k(b *testing.B) {
	for _, tc := range []struct {
		name  string
		iface int
	}{{"other-interface", 1}, {"poisoned-reverse", 0}} {
		b.Run(tc.name, func(b *testing.B) {
			inst, trs, perRoute := bigTable(b, 9998) // with the 2 connected networks: 10,000
			f := inst.ifaces[tc.iface]
			tr := trs[f.cfg.Name]
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				tr.n = 0
				inst.lock()
				inst.sendTable(f, f.dsts, false, false, false)
				inst.unlock()
			}
			if tr.n != 400 {
				b.Fatalf("%d messages, want 400", tr.n)
			}
			b.ReportMetric(float64(tr.n), "msgs/op")
			b.ReportMetric(perRoute, "heapB/route")
		})
	}
}

// A neighbour's regular update of 25 known routes: decode, checks,
// timer refresh.
func BenchmarkReceiveRefresh25(b *testing.B) {
	inst, trs, _ := bigTable(b, 25)
	m := packet.Message{Command: packet.Response, Version: 2}
	for j := range 25 {
		p := netip.PrefixFrom(netip.AddrFrom4([4]byte{100, 0, byte(j), 0}), 24)
		m.Entries = append(m.Entries, packet.RouteEntry(p, netip.Addr{}, uint32(1+j%14), 0))
	}
	raw, _ := m.AppendBinary(nil)
	pk := routing.Packet{Src: ip("10.0.0.2"), SrcPort: 520, Payload: raw}
	_ = inst
	b.ReportAllocs()
	for b.Loop() {
		trs["eth0"].deliver(pk)
	}
}
