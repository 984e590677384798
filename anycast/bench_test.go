package anycast

import (
	"fmt"
	"net/netip"
	"runtime"
	"testing"
	"time"

	"github.com/switchless/routing"
	"github.com/switchless/routing/health"
)

// thousand returns an Instance of n services with 100 ms programmatic
// checks, each on its own /32, on a virtual clock.
func thousand(tb testing.TB, n int) (*Instance, *routing.ManualClock, *recorder) {
	c := routing.NewManualClock(epoch)
	rec := newRecorder(c)
	cfg := Config{}
	for k := range n {
		p := netip.PrefixFrom(netip.AddrFrom4([4]byte{198, 18, byte(k >> 8), byte(k)}), 32)
		cfg.Services = append(cfg.Services, ServiceConfig{Name: fmt.Sprintf("svc%d", k), Prefixes: []netip.Prefix{p},
			Checkers: []health.Checker{&switchCheck{}}, Interval: 100 * time.Millisecond, Rise: 2, Fall: 3})
	}
	inst, err := New(cfg, Env{Clock: c, Announcer: rec, Addresses: rec.addrs})
	if err != nil {
		tb.Fatal(err)
	}
	if err := inst.Start(); err != nil {
		tb.Fatal(err)
	}
	return inst, c, rec
}

// No check is delayed past its interval: on the virtual clock every one
// of 1,000 services runs a round exactly every 100 ms.
func TestThousandServicesNoCheckDelayed(t *testing.T) {
	inst, c, _ := thousand(t, 1000)
	c.Advance(10 * time.Second)
	for _, st := range inst.Services() {
		if st.Rounds != 101 || st.MaxLateness != 0 {
			t.Fatalf("%s: %d rounds in 10 s (want 101), max lateness %v", st.Name, st.Rounds, st.MaxLateness)
		}
		if st.State != StateUp || !st.Prefixes[0].Announced {
			t.Fatalf("%s: %+v", st.Name, st)
		}
	}
}

// BenchmarkThousandServices: one iteration is one virtual second of 1,000
// services checked every 100 ms (10,000 checks). ns/op is the CPU cost of
// a virtual second; heap-MB is the live heap of the instance.
func BenchmarkThousandServices(b *testing.B) {
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	inst, c, _ := thousand(b, 1000)
	c.Advance(time.Second) // up and announced
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		c.Advance(time.Second)
	}
	b.StopTimer()
	runtime.GC()
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/(1<<20), "heap-MB")
	b.ReportMetric(10000, "checks/op")
	runtime.KeepAlive(inst)
}
