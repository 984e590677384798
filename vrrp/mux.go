package vrrp

import (
	"fmt"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"

	"github.com/switchless/routing"
	"github.com/switchless/routing/vrrp/packet"
)

// Mux shares one routing.Transport (one raw socket per interface and
// family) among the virtual routers of that interface, delivering each
// advertisement only to the router of its VRID. Advertisements for a VRID
// no router has are counted (UnknownVRID) and dropped: RFC 5798 §7.1's
// "VRID configured on the receiving interface" check, made once per
// interface instead of once per router.
type Mux struct {
	tr routing.Transport

	// gmu serialises group membership and closing, which call into tr
	// while holding it; mu guards the rest and is never held across a
	// call into tr, so tr may deliver from inside JoinGroup, LeaveGroup
	// or Close (see routing.Transport). Lock order: gmu, then mu.
	gmu    sync.Mutex
	groups map[netip.Addr]int // guarded by gmu

	mu      sync.Mutex
	started bool
	subs    map[uint8]*muxTransport
	open    int

	unknown   atomic.Uint64
	malformed atomic.Uint64
}

// NewMux returns a Mux over tr. The Mux starts tr when the first virtual
// router starts and closes it when the last one closes.
func NewMux(tr routing.Transport) *Mux {
	return &Mux{tr: tr, subs: map[uint8]*muxTransport{}, groups: map[netip.Addr]int{}}
}

// Transport returns the transport of the virtual router vrid. Each VRID
// may be taken once.
func (m *Mux) Transport(vrid uint8) (routing.Transport, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, dup := m.subs[vrid]; dup {
		return nil, fmt.Errorf("%w: VRID %d is already taken on this transport", ErrInvalidConfig, vrid)
	}
	t := &muxTransport{m: m, vrid: vrid}
	m.subs[vrid] = t
	m.open++
	return t, nil
}

// UnknownVRID returns how many advertisements arrived for a VRID without a
// router; Malformed how many were too short to carry a VRID.
func (m *Mux) UnknownVRID() uint64 { return m.unknown.Load() }

// Malformed returns how many packets were too short to carry a VRID.
func (m *Mux) Malformed() uint64 { return m.malformed.Load() }

func (m *Mux) deliver(p routing.Packet) {
	vrid, ok := packet.PeekVRID(p.Payload)
	if !ok {
		m.malformed.Add(1)
		return
	}
	m.mu.Lock()
	t := m.subs[vrid]
	var deliver func(routing.Packet)
	if t != nil && !t.closed {
		deliver = t.deliver
	}
	m.mu.Unlock()
	if deliver == nil {
		m.unknown.Add(1)
		return
	}
	deliver(p)
}

type muxTransport struct {
	m       *Mux
	vrid    uint8
	deliver func(routing.Packet) // guarded by m.mu
	closed  bool                 // guarded by m.mu
	groups  []netip.Addr         // guarded by m.gmu
}

func (t *muxTransport) Start(deliver func(routing.Packet)) error {
	m := t.m
	m.mu.Lock()
	if t.closed {
		m.mu.Unlock()
		return net.ErrClosed
	}
	if t.deliver != nil {
		m.mu.Unlock()
		return ErrStarted
	}
	t.deliver = deliver
	start := !m.started
	m.started = true
	m.mu.Unlock()
	if start {
		return m.tr.Start(m.deliver)
	}
	return nil
}

func (t *muxTransport) Send(dst netip.Addr, payload []byte) error {
	t.m.mu.Lock()
	closed := t.closed
	t.m.mu.Unlock()
	if closed {
		return net.ErrClosed
	}
	return t.m.tr.Send(dst, payload)
}

func (t *muxTransport) isClosed() bool {
	t.m.mu.Lock()
	defer t.m.mu.Unlock()
	return t.closed
}

func (t *muxTransport) JoinGroup(g netip.Addr) error {
	m := t.m
	m.gmu.Lock()
	defer m.gmu.Unlock()
	if t.isClosed() {
		return net.ErrClosed
	}
	if m.groups[g] == 0 {
		if err := m.tr.JoinGroup(g); err != nil {
			return err
		}
	}
	m.groups[g]++
	t.groups = append(t.groups, g)
	return nil
}

func (t *muxTransport) LeaveGroup(g netip.Addr) error {
	m := t.m
	m.gmu.Lock()
	defer m.gmu.Unlock()
	if t.isClosed() {
		return net.ErrClosed
	}
	return t.leaveLocked(g)
}

// leaveLocked leaves g; m.gmu is held.
func (t *muxTransport) leaveLocked(g netip.Addr) error {
	m := t.m
	for i, x := range t.groups {
		if x != g {
			continue
		}
		t.groups = append(t.groups[:i], t.groups[i+1:]...)
		m.groups[g]--
		if m.groups[g] == 0 {
			delete(m.groups, g)
			return m.tr.LeaveGroup(g)
		}
		return nil
	}
	return nil
}

func (t *muxTransport) Close() error {
	m := t.m
	m.gmu.Lock()
	if t.isClosed() {
		m.gmu.Unlock()
		return net.ErrClosed
	}
	for len(t.groups) > 0 {
		_ = t.leaveLocked(t.groups[0])
	}
	m.mu.Lock()
	t.closed = true
	delete(m.subs, t.vrid)
	m.open--
	last := m.open == 0
	m.mu.Unlock()
	m.gmu.Unlock()
	if last {
		return m.tr.Close()
	}
	return nil
}
