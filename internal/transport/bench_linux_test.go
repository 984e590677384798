package transport

import (
	"context"
	"testing"

	"github.com/switchless/routing/internal/nstest"
)

// BenchmarkIPSend measures one Send of an OSPF-hello-sized packet to
// 224.0.0.5 over a veth pair: the syscall plus the transport's locking
// and control-message marshalling.
func BenchmarkIPSend(b *testing.B) {
	a := nstest.New(b, "trba")
	peer := nstest.New(b, "trbb")
	nstest.Veth(b, a, "veth0", peer, "veth0")
	a.Exec(b, "ip", "addr", "add", "10.0.0.1/24", "dev", "veth0")
	tr, err := ListenIP(context.Background(), IPConfig{Namespace: a.Name(), Interface: "veth0", Protocol: ProtocolOSPF})
	if err != nil {
		b.Fatal(err)
	}
	defer tr.Close()
	payload := make([]byte, 48)
	b.ReportAllocs()
	b.SetBytes(int64(len(payload)))
	for b.Loop() {
		if err := tr.Send(allSPFRouters, payload); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkUDPSend is the same for a RIP response to 224.0.0.9.
func BenchmarkUDPSend(b *testing.B) {
	a := nstest.New(b, "trba")
	peer := nstest.New(b, "trbb")
	nstest.Veth(b, a, "veth0", peer, "veth0")
	a.Exec(b, "ip", "addr", "add", "10.0.0.1/24", "dev", "veth0")
	tr, err := ListenUDP(context.Background(), UDPConfig{Namespace: a.Name(), Interface: "veth0"})
	if err != nil {
		b.Fatal(err)
	}
	defer tr.Close()
	payload := make([]byte, 504) // 25 route entries
	b.ReportAllocs()
	b.SetBytes(int64(len(payload)))
	for b.Loop() {
		if err := tr.Send(ripGroup, payload); err != nil {
			b.Fatal(err)
		}
	}
}
