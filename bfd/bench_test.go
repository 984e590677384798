package bfd

import (
	"testing"

	"github.com/switchless/routing/bfd/packet"
)

// The cost of one received packet on an Up session: decode, the §6.8.6
// checks, the state update and the detection timer re-armed.
//
//	go test -bench Receive -benchmem ./bfd/
func BenchmarkReceive(b *testing.B) {
	for _, typ := range []packet.AuthType{packet.AuthNone, packet.AuthMeticulousKeyedSHA1} {
		b.Run(typ.String(), func(b *testing.B) {
			t := &testing.T{}
			ic := fast(50)
			var key []byte
			if typ != packet.AuthNone {
				key = []byte("key")
				ic.Auth = &Auth{Type: typ, KeyID: 1, Key: key}
			}
			e := newOneEnd(t, ic)
			seq := uint32(1)
			mk := func(st packet.State) []byte {
				c := e.ctl(st)
				if typ != packet.AuthNone {
					c.Auth = packet.Auth{Type: typ, KeyID: 1, Sequence: seq}
					seq++
				}
				return e.raw(c, key)
			}
			e.deliver(mk(packet.StateDown), 255)
			e.deliver(mk(packet.StateUp), 255)
			pkts := make([][]byte, 1024)
			for i := range pkts {
				pkts[i] = mk(packet.StateUp)
			}
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				if typ != packet.AuthNone && i == len(pkts) {
					b.StopTimer()
					for j := range pkts {
						pkts[j] = mk(packet.StateUp)
					}
					i = 0
					b.StartTimer()
				}
				e.deliver(pkts[i%len(pkts)], 255)
				i++
			}
			if e.s().State != packet.StateUp {
				b.Fatal("session left Up")
			}
		})
	}
}
