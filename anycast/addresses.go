package anycast

import (
	"context"
	"net/netip"
	"slices"
	"sync"
	"time"

	"github.com/switchless/routing"
)

// AddressManager puts the service prefixes on the host: a loopback alias
// or a dummy interface, on the one interface it was made for. It is the
// anycast form of vrrp.AddressManager: prefixes instead of addresses (a
// service address is a host route), no gratuitous ARP (the address is
// reached through a route, not on a LAN), and a view of the host's other
// addresses so that a VIP that is someone else's address is refused.
// Methods are called one at a time, in the order the Instance decided.
type AddressManager interface {
	// Add puts p on the interface. Adding a present prefix is not an error.
	Add(ctx context.Context, p netip.Prefix) error
	// Remove takes p off. Removing an absent prefix is not an error.
	Remove(ctx context.Context, p netip.Prefix) error
	// HostAddresses returns every address of the host the manager can
	// see, each marked Ours when it is one this manager put there (on its
	// interface, with its label): a VIP left by a previous run is adopted.
	HostAddresses(ctx context.Context) ([]HostAddress, error)
}

// HostAddress is one address of the host as an AddressManager sees it.
type HostAddress struct {
	Prefix    netip.Prefix
	Interface string
	// Ours reports that the manager would have put it there itself.
	Ours bool
}

// AddressChange is one Add or Remove recorded by MemoryAddresses.
type AddressChange struct {
	At     time.Time
	Prefix netip.Prefix
	Added  bool
}

// MemoryAddresses is an AddressManager that only records, for simulations
// and tests: the prefixes it holds, every change with the time of a clock,
// and "foreign" addresses standing for the host's other addresses.
type MemoryAddresses struct {
	clock    routing.Clock
	onChange func(AddressChange)

	mu      sync.Mutex
	owned   []netip.Prefix
	foreign []netip.Prefix
	log     []AddressChange
	fail    error
}

// NewMemoryAddresses returns an empty MemoryAddresses that stamps changes
// with clock. onChange, if not nil, is called after every effective Add
// and Remove (to mirror them into a simulated node).
func NewMemoryAddresses(clock routing.Clock, onChange func(AddressChange)) *MemoryAddresses {
	return &MemoryAddresses{clock: clock, onChange: onChange}
}

// SetForeign sets the host's other addresses, which HostAddresses reports
// as not ours.
func (m *MemoryAddresses) SetForeign(ps ...netip.Prefix) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.foreign = slices.Clone(ps)
}

// SetError makes every following Add and Remove fail with err (nil
// restores them), to test how an Instance reports and retries.
func (m *MemoryAddresses) SetError(err error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.fail = err
}

// Add implements AddressManager.
func (m *MemoryAddresses) Add(_ context.Context, p netip.Prefix) error {
	return m.change(p, true)
}

// Remove implements AddressManager.
func (m *MemoryAddresses) Remove(_ context.Context, p netip.Prefix) error {
	return m.change(p, false)
}

func (m *MemoryAddresses) change(p netip.Prefix, add bool) error {
	m.mu.Lock()
	if m.fail != nil {
		err := m.fail
		m.mu.Unlock()
		return err
	}
	has := slices.Contains(m.owned, p)
	if has == add {
		m.mu.Unlock()
		return nil
	}
	if add {
		m.owned = append(m.owned, p)
	} else {
		m.owned = slices.DeleteFunc(m.owned, func(q netip.Prefix) bool { return q == p })
	}
	c := AddressChange{At: m.clock.Now(), Prefix: p, Added: add}
	m.log = append(m.log, c)
	m.mu.Unlock()
	if m.onChange != nil {
		m.onChange(c)
	}
	return nil
}

// HostAddresses implements AddressManager.
func (m *MemoryAddresses) HostAddresses(context.Context) ([]HostAddress, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []HostAddress
	for _, p := range m.foreign {
		out = append(out, HostAddress{Prefix: p, Interface: "eth0"})
	}
	for _, p := range m.owned {
		out = append(out, HostAddress{Prefix: p, Interface: "lo", Ours: true})
	}
	return out, nil
}

// Owned returns the prefixes held, in the order they were added.
func (m *MemoryAddresses) Owned() []netip.Prefix {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.owned)
}

// Has reports whether p is held.
func (m *MemoryAddresses) Has(p netip.Prefix) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Contains(m.owned, p)
}

// Changes returns every effective change so far, in order.
func (m *MemoryAddresses) Changes() []AddressChange {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.log)
}
