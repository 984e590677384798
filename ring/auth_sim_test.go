package ring

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/switchless/routing/ospf"
	"github.com/switchless/routing/ospf/packet"
)

// TestOSPFAuth_KeyRollover (issue 15): rings of 3 to 8 nodes with OSPF
// authenticated on every ring link (RFC 5709 HMAC-SHA-256, key 1) comes
// up as an unauthenticated one does; the key then rolls over to key 2
// node by node, in the three steps Spec.OSPFAuth documents (add key 2
// second, move it first, remove key 1), each step applied to one node
// after the other with Node.Reconfigure, as a SIGHUP of each ringd
// would: no adjacency leaves Full at any moment and no packet is
// dropped for its authentication. A node given a wrong key, for
// contrast, loses its adjacencies and counts the drops.
func TestOSPFAuth_KeyRollover(t *testing.T) {
	for n := 3; n <= 8; n++ {
		t.Run(fmt.Sprintf("N=%d", n), func(t *testing.T) {
			t.Parallel()
			testKeyRollover(t, n)
		})
	}
}

func testKeyRollover(t *testing.T, n int) {
	key := func(id uint8, secret string) ospf.Key {
		return ospf.Key{ID: id, Algorithm: packet.AlgHMACSHA256, Secret: []byte(secret)}
	}
	auth := func(keys ...ospf.Key) *ospf.AuthConfig {
		return &ospf.AuthConfig{Type: packet.AuthCrypto, Keys: keys}
	}
	spec := paperSpec(n)
	spec.Profile = ProfileFast
	spec.OSPFAuth = auth(key(1, "first secret"))
	if err := (Spec{Nodes: spec.Nodes, LinkPool: spec.LinkPool, Upstream: spec.Upstream, OSPFAuth: auth()}).Validate(); err == nil || !errors.Is(err, ErrInvalidConfig) {
		t.Errorf("crypto without keys: %v", err)
	}
	var adj []Event
	s, err := NewSim(SimConfig{Spec: spec, OnEvent: func(e Event) {
		if e.Kind == EventAdjacency {
			adj = append(adj, e)
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	if r, err := s.RunStep(s.Steps()[0]); err != nil || !r.Reachable {
		t.Fatalf("cold start with authentication: %+v %v", r, err)
	}
	s.Advance(5 * time.Second)
	authDrops := func() uint64 {
		var d uint64
		for _, sn := range s.nodes {
			st := sn.Node().OSPF().Stats()
			d += st.Dropped[ospf.DropAuth] + st.Dropped[ospf.DropAuthType] + st.Dropped[ospf.DropReplay]
		}
		return d
	}
	drops0 := authDrops()
	adj = adj[:0]
	apply := func(a *ospf.AuthConfig, nodes ...*SimNode) {
		t.Helper()
		spec.OSPFAuth = a
		for _, sn := range nodes {
			nc, err := spec.Build(sn.Name())
			if err != nil {
				t.Fatal(err)
			}
			if err := sn.Node().Reconfigure(context.Background(), nc, nil); err != nil {
				t.Fatalf("%s: %v", sn.Name(), err)
			}
			s.Advance(2 * time.Second) // the next node a while later, as an operator goes
		}
	}
	for _, step := range []*ospf.AuthConfig{
		auth(key(1, "first secret"), key(2, "second secret")),
		auth(key(2, "second secret"), key(1, "first secret")),
		auth(key(2, "second secret")),
	} {
		apply(step, s.nodes...)
	}
	s.Advance(10 * time.Second)
	if len(adj) != 0 {
		t.Errorf("adjacencies changed during the rollover: %v", adj)
	}
	if d := authDrops() - drops0; d != 0 {
		t.Errorf("%d packets dropped for authentication during the rollover", d)
	}
	if !s.AllReachable() {
		t.Errorf("unreachable after the rollover: %v", s.Unreachable())
	}
	// Contrast: vr2 alone on a key nobody else has.
	apply(auth(key(3, "wrong")), s.Node("vr2"))
	s.Advance(5 * time.Second)
	if authDrops() == drops0 || len(adj) == 0 {
		t.Errorf("a wrong key changed nothing: %d drops, %d adjacency events", authDrops()-drops0, len(adj))
	}
}
