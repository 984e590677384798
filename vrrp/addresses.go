package vrrp

import (
	"context"
	"net/netip"
	"slices"
	"sync"
	"time"

	"github.com/switchless/routing"
)

// AddressManager is where a Router's decisions take effect: it makes the
// interface own the virtual addresses while Master and announces them.
// Methods are called outside the router's lock, one at a time, in the
// order the router decided them.
type AddressManager interface {
	// Add makes the interface own addrs. Adding an owned address is not
	// an error.
	Add(ctx context.Context, addrs []netip.Addr) error
	// Remove gives addrs up. Removing an absent address is not an error.
	Remove(ctx context.Context, addrs []netip.Addr) error
	// Announce tells the LAN that addrs are here now: a gratuitous ARP per
	// IPv4 address, an unsolicited Neighbor Advertisement per IPv6 address
	// (RFC 5798 §6.4.1, §6.4.2).
	Announce(ctx context.Context, addrs []netip.Addr) error
}

// MemoryAddresses is an AddressManager that only records, for simulations
// and tests: which addresses are owned, and every announcement with the
// time of a clock.
type MemoryAddresses struct {
	clock routing.Clock

	mu        sync.Mutex
	owned     []netip.Addr
	announces []time.Time
	// OnChange, if set, is called after every Add and Remove with the
	// addresses then owned (to mirror them into a simulated interface).
	onChange func(owned []netip.Addr)
}

// NewMemoryAddresses returns an empty MemoryAddresses that stamps
// announcements with clock. onChange, if not nil, is called after every
// Add and Remove with the owned addresses.
func NewMemoryAddresses(clock routing.Clock, onChange func(owned []netip.Addr)) *MemoryAddresses {
	return &MemoryAddresses{clock: clock, onChange: onChange}
}

// Add implements AddressManager.
func (m *MemoryAddresses) Add(_ context.Context, addrs []netip.Addr) error {
	m.mu.Lock()
	for _, a := range addrs {
		if !slices.Contains(m.owned, a) {
			m.owned = append(m.owned, a)
		}
	}
	owned := slices.Clone(m.owned)
	m.mu.Unlock()
	if m.onChange != nil {
		m.onChange(owned)
	}
	return nil
}

// Remove implements AddressManager.
func (m *MemoryAddresses) Remove(_ context.Context, addrs []netip.Addr) error {
	m.mu.Lock()
	m.owned = slices.DeleteFunc(m.owned, func(a netip.Addr) bool { return slices.Contains(addrs, a) })
	owned := slices.Clone(m.owned)
	m.mu.Unlock()
	if m.onChange != nil {
		m.onChange(owned)
	}
	return nil
}

// Announce implements AddressManager.
func (m *MemoryAddresses) Announce(_ context.Context, addrs []netip.Addr) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.announces = append(m.announces, m.clock.Now())
	return nil
}

// Owned returns the owned addresses.
func (m *MemoryAddresses) Owned() []netip.Addr {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.owned)
}

// Announcements returns the time of every announcement so far.
func (m *MemoryAddresses) Announcements() []time.Time {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.announces)
}
