package vrrp

import (
	"log/slog"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/switchless/routing"
	"github.com/switchless/routing/netsim"
	"github.com/switchless/routing/vrrp/packet"
)

// injector sends hand-made VRRP packets onto a simulated LAN from any
// source and with any TTL.
type injector struct {
	s   *simLAN
	att *netsim.Attachment
}

func newInjector(s *simLAN) *injector {
	att, err := s.seg.Attach(s.net.Node("attacker"), "eth0", netip.MustParsePrefix("192.0.2.250/24"))
	if err != nil {
		s.t.Fatal(err)
	}
	return &injector{s: s, att: att}
}

func (in *injector) send(src netip.Addr, ttl uint8, payload []byte) {
	in.s.t.Helper()
	tr, err := in.att.Transport(netsim.TransportConfig{IPProto: netsim.ProtoVRRP, Src: src, TTL: ttl})
	if err != nil {
		in.s.t.Fatal(err)
	}
	defer tr.Close()
	if err := tr.Start(func(routing.Packet) {}); err != nil {
		in.s.t.Fatal(err)
	}
	if err := tr.Send(packet.GroupIPv4, payload); err != nil {
		in.s.t.Fatal(err)
	}
	in.s.clock.Advance(time.Millisecond)
}

func encode(t *testing.T, a packet.Advertisement, src netip.Addr, mode packet.ChecksumMode) []byte {
	t.Helper()
	b, err := a.AppendBinary(nil, src, packet.GroupIPv4, mode)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// snapshot is what must not change when a bad packet is dropped.
type snapshot struct {
	state    State
	master   netip.Addr
	deadline time.Time // Master_Down_Timer
	received uint64
	trans    int
}

func snap(s *simLAN, n *simNode) snapshot {
	st := n.r.Status()
	return snapshot{st.State, st.Master, s.clock.Now().Add(st.MasterDownIn), st.Counters.Received, len(n.trans)}
}

// TestBadInput_7_1 sends every kind of bad advertisement to a Backup: each
// is dropped, counted under its reason, and changes nothing (the
// advertisements carry priority 0, which would cut Master_Down_Timer to
// Skew_Time if accepted).
func TestBadInput_7_1(t *testing.T) {
	for _, version := range []packet.Version{packet.V3, packet.V2} {
		t.Run(version.String(), func(t *testing.T) {
			s := newSimLAN(t)
			iv := time.Second
			base := Config{Version: version, Interval: iv, AllowFrom: []netip.Prefix{netip.MustParsePrefix("192.0.2.0/25")}}
			if version == packet.V2 {
				base.AuthType, base.Password = packet.AuthSimple, "secret"
			}
			mcfg := base
			mcfg.Priority = 200
			m := s.add(mcfg)
			vcfg := base
			vcfg.Priority = 100
			v := s.add(vcfg)
			in := newInjector(s)
			s.clock.Advance(5 * time.Second)
			s.requireMaster(m)

			master := m.cfg.Address.Addr()
			good := packet.Advertisement{Version: version, VRID: 1, Priority: 0, Interval: iv, Addresses: []netip.Addr{simVIP}}
			if version == packet.V2 {
				good.AuthType = packet.AuthSimple
				copy(good.AuthData[:], "secret")
			}
			mutate := func(f func(a *packet.Advertisement)) []byte {
				a := good
				f(&a)
				return encode(t, a, master, 0)
			}
			type bad struct {
				name    string
				src     netip.Addr
				ttl     uint8
				payload []byte
				reason  DropReason
				misconf bool
			}
			valid := encode(t, good, master, 0)
			cases := []bad{
				{"7_1_TTL_not_255", master, 64, valid, DropTTL, false},
				{"7_1_TTL_1", master, 1, valid, DropTTL, false},
				{"7_1_wrong_VRID", master, 255, mutate(func(a *packet.Advertisement) { a.VRID = 2 }), DropVRID, true},
				{"7_1_bad_checksum", master, 255, func() []byte { b := append([]byte(nil), valid...); b[6] ^= 0xff; return b }(), DropChecksum, false},
				{"7_1_truncated", master, 255, valid[:9], DropTruncated, false},
				{"7_1_header_only", master, 255, valid[:8], DropTruncated, false},
				{"7_1_address_list_mismatch", master, 255, mutate(func(a *packet.Advertisement) { a.Addresses = []netip.Addr{netip.MustParseAddr("192.0.2.99")} }), DropAddressList, true},
				{"7_1_address_count_mismatch", master, 255, mutate(func(a *packet.Advertisement) { a.Addresses = []netip.Addr{simVIP, netip.MustParseAddr("192.0.2.99")} }), DropAddressList, true},
				{"allow_list_source", netip.MustParseAddr("192.0.2.200"), 255, encode(t, good, netip.MustParseAddr("192.0.2.200"), 0), DropSource, false},
			}
			if version == packet.V3 {
				cases = append(cases,
					bad{"7_1_version_2_to_v3", master, 255, encode(t, packet.Advertisement{Version: packet.V2, VRID: 1, Interval: time.Second, Addresses: good.Addresses}, master, 0), DropVersion, false},
					bad{"5_2_8_checksum_without_pseudo_header", master, 255, encode(t, good, master, packet.ChecksumNoPseudoHeader), DropChecksum, false},
				)
			} else {
				cases = append(cases,
					bad{"RFC3768_7_1_interval_mismatch", master, 255, mutate(func(a *packet.Advertisement) { a.Interval = 2 * time.Second }), DropInterval, true},
					bad{"RFC3768_5_3_6_auth_none", master, 255, mutate(func(a *packet.Advertisement) { a.AuthType = packet.AuthNone; a.AuthData = [8]byte{} }), DropAuthType, false},
					bad{"RFC3768_5_3_6_wrong_password", master, 255, mutate(func(a *packet.Advertisement) { a.AuthData = [8]byte{'g', 'u', 'e', 's', 's'} }), DropAuth, false},
					bad{"RFC3768_5_3_6_ip_ah_obsolete", master, 255, resum(func() []byte { b := append([]byte(nil), valid...); b[4] = 2; return b }()), DropAuthType, false},
					bad{"7_1_version_3_to_v2", master, 255, encode(t, packet.Advertisement{Version: packet.V3, VRID: 1, Interval: time.Second, Addresses: good.Addresses}, master, 0), DropVersion, false},
				)
			}
			for _, c := range cases {
				before := snap(s, v)
				drops := v.r.Dropped(c.reason)
				misconf := v.r.Status().Counters.Misconfigured
				in.send(c.src, c.ttl, c.payload)
				after := snap(s, v)
				if after != before {
					t.Errorf("%s: state changed: %+v -> %+v", c.name, before, after)
				}
				if got := v.r.Dropped(c.reason); got != drops+1 {
					t.Errorf("%s: %v drops %d -> %d", c.name, c.reason, drops, got)
				}
				if got := v.r.Status().Counters.Misconfigured - misconf; (got == 1) != c.misconf {
					t.Errorf("%s: misconfigured counted %d", c.name, got)
				}
			}
			// Control: the same priority-0 advertisement, well formed,
			// does move Master_Down_Timer to Skew_Time.
			before := snap(s, v)
			in.send(master, 255, valid)
			if after := snap(s, v); after.deadline == before.deadline || after.received != before.received+1 {
				t.Errorf("valid priority-0 advert had no effect: %+v -> %+v", before, after)
			}
		})
	}
}

// TestBadInput_OwnerDiscards: the address owner discards every
// advertisement for its VRID (RFC 5798 §7.1).
func TestBadInput_OwnerDiscards(t *testing.T) {
	s := newSimLAN(t)
	owner := s.add(Config{Priority: 255, VirtualAddresses: []netip.Addr{netip.MustParseAddr("192.0.2.1")}})
	in := newInjector(s)
	s.clock.Advance(time.Second)
	adv := packet.Advertisement{Version: packet.V3, VRID: 1, Priority: 255, Interval: time.Second, Addresses: []netip.Addr{netip.MustParseAddr("192.0.2.1")}}
	src := netip.MustParseAddr("192.0.2.9")
	in.send(src, 255, encode(t, adv, src, 0))
	if owner.r.State() != Master || owner.r.Dropped(DropOwner) != 1 {
		t.Fatalf("owner %v, owner drops %d", owner.r.State(), owner.r.Dropped(DropOwner))
	}
}

// resum recomputes a VRRPv2 checksum (RFC 3768 §5.3.8: the one's
// complement of the one's complement sum of the message) after a test
// mutated the message.
func resum(b []byte) []byte {
	b[6], b[7] = 0, 0
	var sum uint32
	for i := 0; i+1 < len(b); i += 2 {
		sum += uint32(b[i])<<8 | uint32(b[i+1])
	}
	if len(b)%2 == 1 {
		sum += uint32(b[len(b)-1]) << 8
	}
	for sum > 0xffff {
		sum = sum>>16 + sum&0xffff
	}
	c := ^uint16(sum)
	b[6], b[7] = byte(c>>8), byte(c)
	return b
}

// TestConflict_5798_7_1_LoggedOncePerSource (issue 15's virtual-MAC
// hygiene, issue 16's rate limit): a router with our VRID and another
// address list, heard 100 times from each of 100 sources, is dropped and
// counted every time (RFC 5798 §7.1: "MAY... log"), logged once per
// source, and listed in Status.Conflicts, at most maxConflicts sources.
// A priority-255 advertisement from an address that owns none of the
// virtual addresses is accepted, as the RFC says, and reported as an
// owner claim.
func TestConflict_5798_7_1_LoggedOncePerSource(t *testing.T) {
	s := newSimLAN(t)
	var buf strings.Builder
	m := s.add(Config{Priority: 200})
	m.r.log = slog.New(slog.NewTextHandler(&buf, nil)) // the virtual clock runs on this goroutine
	s.add(Config{Priority: 100})
	in := newInjector(s)
	s.clock.Advance(5 * time.Second)
	s.requireMaster(m)
	other := []netip.Addr{netip.MustParseAddr("192.0.2.99")}
	for range 100 {
		for i := range 100 {
			src := netip.AddrFrom4([4]byte{192, 0, 2, byte(100 + i)})
			in.send(src, 255, encode(t, packet.Advertisement{Version: packet.V3, VRID: 1, Priority: 100, Interval: time.Second, Addresses: other}, src, 0))
		}
	}
	st := m.r.Status()
	if st.State != Master || st.Counters.Drops[DropAddressList] != 10000 || st.Counters.Misconfigured != 10000 {
		t.Fatalf("after 10,000 conflicting adverts: %v, %d address-list drops, %d misconfigured", st.State, st.Counters.Drops[DropAddressList], st.Counters.Misconfigured)
	}
	if len(st.Conflicts) != maxConflicts {
		t.Fatalf("%d conflicts listed, want the bound %d", len(st.Conflicts), maxConflicts)
	}
	if c := st.Conflicts[0]; c.Reason != "address-list" || c.Count != 100 || !slices.Equal(c.Addresses, other) || c.Source != netip.MustParseAddr("192.0.2.100") {
		t.Errorf("first conflict: %+v", c)
	}
	if n := strings.Count(buf.String(), "conflicting virtual router"); n > maxConflicts {
		t.Errorf("%d lines logged for 10,000 adverts from 100 sources", n)
	}
	// The owner claim, on a fresh LAN: accepted (the Master, priority
	// 200, gives way, §6.4.3), and reported.
	s = newSimLAN(t)
	m = s.add(Config{Priority: 200})
	in = newInjector(s)
	s.clock.Advance(5 * time.Second)
	s.requireMaster(m)
	claimant := netip.MustParseAddr("192.0.2.77")
	in.send(claimant, 255, encode(t, packet.Advertisement{Version: packet.V3, VRID: 1, Priority: 255, Interval: time.Second, Addresses: []netip.Addr{simVIP}}, claimant, 0))
	ms := m.r.Status()
	if ms.State != Backup || ms.Master != claimant {
		t.Errorf("after a priority-255 advert from %v the Master is %v, master %v", claimant, ms.State, ms.Master)
	}
	found := false
	for _, c := range ms.Conflicts {
		found = found || (c.Source == claimant && c.Reason == "owner-claim" && c.Priority == 255)
	}
	if !found {
		t.Errorf("the owner claim is not listed: %+v", ms.Conflicts)
	}
}
