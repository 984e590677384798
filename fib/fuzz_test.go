package fib_test

import (
	"context"
	"errors"
	"net/netip"
	"testing"

	"github.com/switchless/routing/fib"
)

// routeFromBytes builds an arbitrary (often invalid) route from fuzz input.
func routeFromBytes(b []byte) fib.Route {
	next := func() byte {
		if len(b) == 0 {
			return 0
		}
		c := b[0]
		b = b[1:]
		return c
	}
	addr := func(v6 bool) netip.Addr {
		if v6 {
			var a [16]byte
			for i := range a {
				a[i] = next()
			}
			return netip.AddrFrom16(a)
		}
		return netip.AddrFrom4([4]byte{next(), next(), next(), next()})
	}
	flags := next()
	v6 := flags&1 != 0
	var r fib.Route
	if flags&2 == 0 {
		r.Prefix = netip.PrefixFrom(addr(v6), int(next())%140-4)
	}
	r.Metric = uint32(next()) << (next() % 32)
	r.Table = int(int8(next())) * 1000
	r.Protocol = fib.Protocol(next() % 10)
	r.Type = fib.Type(next() % 6)
	for n := int(next() % 5); n > 0; n-- {
		h := fib.NextHop{IfIndex: int(int8(next())), Weight: int(int8(next())) * 3}
		switch c := next(); c % 4 {
		case 0:
		case 1:
			h.Gateway = addr(v6)
		case 2:
			h.Gateway = addr(!v6)
		case 3:
			h.Gateway = addr(true).WithZone("eth0")
		}
		r.NextHops = append(r.NextHops, h)
	}
	return r
}

// FuzzRoute checks that validation never panics and that a valid route
// survives canonicalisation and a Memory round trip, while an invalid one
// changes nothing.
func FuzzRoute(f *testing.F) {
	f.Add([]byte{0, 10, 0, 0, 0, 8, 1, 0, 0, 4, 0, 1, 2, 0, 1, 192, 0, 2, 1})
	f.Add([]byte{1, 0x20, 1, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 32, 5, 2, 0, 4, 0, 2, 3, 1, 1, 0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 4, 5, 1})
	f.Add([]byte{2})
	f.Fuzz(func(t *testing.T, b []byte) {
		ctx := context.Background()
		r := routeFromBytes(b)
		m := fib.NewMemory()
		err := r.Validate()
		rerr := m.Replace(ctx, r)
		if err != nil {
			var re *fib.RouteError
			if !errors.Is(err, fib.ErrInvalidRoute) || !errors.As(err, &re) || re.Field == "" {
				t.Fatalf("Validate(%+v) = %v: not a RouteError naming a field", r, err)
			}
			if !errors.Is(rerr, fib.ErrInvalidRoute) || m.Len() != 0 {
				t.Fatalf("Replace of an invalid route = %v, Len %d", rerr, m.Len())
			}
			return
		}
		if rerr != nil {
			t.Fatalf("Replace(%v) = %v for a valid route", r, rerr)
		}
		c := r.Canonical()
		if err := c.Validate(); err != nil {
			t.Fatalf("Canonical of valid %+v is invalid: %v", r, err)
		}
		if !r.Equal(c) || !c.Equal(r) || !c.Canonical().Equal(c) || c.String() != r.String() {
			t.Fatalf("Canonical(%+v) = %+v is not the same route", r, c)
		}
		got, ok := m.Get(r.Table, r.Prefix)
		if !ok || !got.Equal(r) || got.String() != c.String() {
			t.Fatalf("Get after Replace(%v) = %v, %v", r, got, ok)
		}
		if l, ok := m.Lookup(r.Table, r.Prefix.Addr()); !ok || l.Prefix != r.Prefix {
			t.Fatalf("Lookup(%v) = %v, %v; want the only route", r.Prefix.Addr(), l, ok)
		}
		if err := m.Delete(ctx, r.Prefix, r.Table); err != nil || m.Len() != 0 {
			t.Fatalf("Delete = %v, Len %d", err, m.Len())
		}
	})
}
