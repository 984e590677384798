package vrrp_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"log/slog"
	"net/netip"
	"os"
	"os/signal"
	"time"

	"github.com/switchless/routing"
	"github.com/switchless/routing/health"
	"github.com/switchless/routing/netsim"
	"github.com/switchless/routing/vrrp"
	"github.com/switchless/routing/vrrp/packet"
)

// Two routers share 192.0.2.100 on a simulated LAN: the higher priority
// becomes Master; when it stops, sending priority 0, the other takes over
// after Skew_Time.
func Example() {
	clock := routing.NewManualClock(time.Time{})
	network := netsim.New(clock, 1, nil)
	lan, _ := network.Segment("lan", netsim.SegmentConfig{})
	start := func(name string, last byte, prio uint8) *vrrp.Router {
		addr := netip.PrefixFrom(netip.AddrFrom4([4]byte{192, 0, 2, last}), 24)
		att, _ := lan.Attach(network.Node(name), "eth0", addr)
		tr, _ := att.Transport(netsim.TransportConfig{IPProto: packet.IPProtocol})
		r, err := vrrp.New(vrrp.Config{
			VRID: 10, Priority: prio, Interface: "eth0", Address: addr,
			VirtualAddresses: []netip.Addr{netip.MustParseAddr("192.0.2.100")},
		}, vrrp.Env{
			Clock:     clock,
			Transport: tr,
			Addresses: vrrp.NewMemoryAddresses(clock, nil),
			OnEvent: func(e vrrp.Event) {
				if t := e.Transition; e.Kind == vrrp.EventTransition {
					fmt.Printf("%s %s -> %s (%s)\n", name, t.From, t.To, t.Reason)
				}
			},
		})
		if err != nil {
			panic(err)
		}
		if err := r.Start(); err != nil {
			panic(err)
		}
		return r
	}
	a := start("a", 1, 200)
	b := start("b", 2, 100)
	clock.Advance(5 * time.Second)
	fmt.Println("master:", b.Master())
	_ = a.Stop(context.Background())
	clock.Advance(time.Second)
	// Output:
	// a Initialize -> Backup (startup)
	// b Initialize -> Backup (startup)
	// a Backup -> Master (master down)
	// master: 192.0.2.1
	// a Master -> Initialize (shutdown)
	// b Backup -> Master (master sent priority 0)
}

// A tracked service lowers the Master's priority while its check fails
// (fall 2), so that the Backup, which preempts, takes over; when the
// service is back (rise 2), the Master preempts in turn. The check is a
// health.CheckFunc; any health.Checker does.
func ExampleTrack() {
	clock := routing.NewManualClock(time.Time{})
	network := netsim.New(clock, 1, nil)
	lan, _ := network.Segment("lan", netsim.SegmentConfig{})
	serviceUp := true
	start := func(name string, last byte, prio uint8, tracks []vrrp.Track) *vrrp.Router {
		addr := netip.PrefixFrom(netip.AddrFrom4([4]byte{192, 0, 2, last}), 24)
		att, _ := lan.Attach(network.Node(name), "eth0", addr)
		tr, _ := att.Transport(netsim.TransportConfig{IPProto: packet.IPProtocol})
		r, err := vrrp.New(vrrp.Config{
			VRID: 10, Priority: prio, Address: addr, Tracks: tracks,
			VirtualAddresses: []netip.Addr{netip.MustParseAddr("192.0.2.100")},
		}, vrrp.Env{Clock: clock, Transport: tr, Addresses: vrrp.NewMemoryAddresses(clock, nil),
			OnEvent: func(e vrrp.Event) {
				switch e.Kind {
				case vrrp.EventTrack:
					fmt.Printf("%s track %s up=%v priority %d\n", name, e.Track.Name, e.Track.Up, e.Track.Priority)
				case vrrp.EventTransition:
					fmt.Printf("%s %s -> %s\n", name, e.Transition.From, e.Transition.To)
				}
			}})
		if err != nil {
			panic(err)
		}
		if err := r.Start(); err != nil {
			panic(err)
		}
		return r
	}
	check := health.CheckFunc(func(ctx context.Context) error {
		if !serviceUp {
			return errors.New("service down")
		}
		return nil
	})
	start("a", 1, 200, []vrrp.Track{{Name: "web", Weight: 150, Checker: check, Interval: time.Second, Rise: 2, Fall: 2}})
	start("b", 2, 100, nil)
	clock.Advance(5 * time.Second)
	serviceUp = false
	clock.Advance(5 * time.Second)
	serviceUp = true
	clock.Advance(8 * time.Second)
	// Output:
	// a Initialize -> Backup
	// b Initialize -> Backup
	// a Backup -> Master
	// a track web up=false priority 50
	// b Backup -> Master
	// a Master -> Backup
	// a track web up=true priority 200
	// a Backup -> Master
	// b Master -> Backup
}

// On a Linux interface: Listen opens the raw IP protocol 112 socket,
// NewNetlinkAddresses owns the virtual address, and Run runs the router
// until the context is cancelled, then sends priority 0 and gives the
// address up (RFC 5798 §6.4.3).
func ExampleListen() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	cfg := vrrp.Config{
		VRID:             51,
		Priority:         150,
		Interface:        "eth0",
		Address:          netip.MustParsePrefix("192.0.2.2/24"),
		VirtualAddresses: []netip.Addr{netip.MustParseAddr("192.0.2.1")},
	}
	tr, err := vrrp.Listen(ctx, vrrp.ListenConfig{Interface: cfg.Interface, Source: cfg.Address.Addr()})
	if err != nil {
		log.Fatal(err) // routing.ErrUnsupported off Linux
	}
	addrs, err := vrrp.NewNetlinkAddresses(vrrp.NetlinkConfig{Interface: cfg.Interface})
	if err != nil {
		log.Fatal(err)
	}
	defer addrs.Close()
	r, err := vrrp.New(cfg, vrrp.Env{
		Clock:     routing.SystemClock(),
		Logger:    slog.Default(),
		Transport: tr,
		Addresses: addrs,
		OnEvent:   func(e vrrp.Event) { slog.Info("vrrp", "kind", e.Kind, "to", e.Transition.To) },
	})
	if err != nil {
		log.Fatal(err)
	}
	if err := r.Run(ctx); err != nil {
		log.Fatal(err)
	}
}
