package bfd

import (
	"errors"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/switchless/routing"
	"github.com/switchless/routing/bfd/packet"
)

// Validate names the bad field by its YAML key, with the reason; timers
// below 10 ms and multipliers out of range are refused (issue: bad input).
func TestConfigValidate(t *testing.T) {
	ok := InterfaceConfig{Name: "eth0"}
	for _, tc := range []struct {
		cfg   Config
		field string
	}{
		{Config{Interfaces: []InterfaceConfig{{}}}, "interfaces[0].name"},
		{Config{Interfaces: []InterfaceConfig{ok, ok}}, "interfaces[1].name"},
		{Config{Interfaces: []InterfaceConfig{{Name: "e", MinTx: 9 * time.Millisecond}}}, "interfaces[0].min_tx"},
		{Config{Interfaces: []InterfaceConfig{{Name: "e", MinRx: time.Millisecond}}}, "interfaces[0].min_rx"},
		{Config{Interfaces: []InterfaceConfig{{Name: "e", MinRx: 2 * time.Minute}}}, "interfaces[0].min_rx"},
		{Config{Interfaces: []InterfaceConfig{{Name: "e", MinTx: 10*time.Millisecond + time.Nanosecond}}}, "interfaces[0].min_tx"},
		{Config{Interfaces: []InterfaceConfig{{Name: "e", DetectMult: -1}}}, "interfaces[0].detect_multiplier"},
		{Config{Interfaces: []InterfaceConfig{{Name: "e", DetectMult: 256}}}, "interfaces[0].detect_multiplier"},
		{Config{Interfaces: []InterfaceConfig{{Name: "e", Auth: &Auth{Type: 9, Key: []byte("k")}}}}, "interfaces[0].auth.type"},
		{Config{Interfaces: []InterfaceConfig{{Name: "e", Auth: &Auth{Type: packet.AuthSimplePassword}}}}, "interfaces[0].auth.key"},
		{Config{Interfaces: []InterfaceConfig{{Name: "e", Auth: &Auth{Type: packet.AuthKeyedMD5, Key: make([]byte, 17)}}}}, "interfaces[0].auth.key"},
		{Config{Interfaces: []InterfaceConfig{{Name: "e", Auth: &Auth{Type: packet.AuthKeyedSHA1, Key: make([]byte, 21)}}}}, "interfaces[0].auth.key"},
		{Config{Interfaces: []InterfaceConfig{ok}, Peers: []PeerConfig{{Interface: "x", Peer: addrB}}}, "peers[0].interface"},
		{Config{Interfaces: []InterfaceConfig{ok}, Peers: []PeerConfig{{Interface: "eth0"}}}, "peers[0].peer"},
		{Config{Interfaces: []InterfaceConfig{ok}, Peers: []PeerConfig{{Interface: "eth0", Peer: netip.MustParseAddr("224.0.0.1")}}}, "peers[0].peer"},
		{Config{Interfaces: []InterfaceConfig{ok}, Peers: []PeerConfig{{Interface: "eth0", Peer: netip.MustParseAddr("fe80::1")}}}, "peers[0].peer"},
		{Config{Interfaces: []InterfaceConfig{ok}, Peers: []PeerConfig{{Interface: "eth0", Peer: addrB, Local: netip.MustParseAddr("fe80::1")}}}, "peers[0].local"},
		{Config{Interfaces: []InterfaceConfig{ok}, Peers: []PeerConfig{{Interface: "eth0", Peer: addrB}, {Interface: "eth0", Peer: addrB}}}, "peers[1].peer"},
	} {
		err := tc.cfg.Validate()
		var ce *ConfigError
		if !errors.As(err, &ce) || ce.Field != tc.field || !errors.Is(err, ErrInvalidConfig) {
			t.Errorf("%+v: %v, want a ConfigError on %s", tc.cfg, err, tc.field)
			continue
		}
		if ce.Reason == "" || !strings.Contains(err.Error(), tc.field) {
			t.Errorf("%v: no reason", err)
		}
	}
	good := Config{Interfaces: []InterfaceConfig{{Name: "e", MinTx: 10 * time.Millisecond, DetectMult: 1, IPv6: true,
		Auth: &Auth{Type: packet.AuthMeticulousKeyedSHA1, Key: make([]byte, 20)}}},
		Peers: []PeerConfig{{Interface: "e", Peer: netip.MustParseAddr("fe80::2")}}}
	if err := good.Validate(); err != nil {
		t.Error(err)
	}
}

func TestEnvValidate(t *testing.T) {
	clock := routing.NewManualClock(time.Time{})
	cfg := Config{Interfaces: []InterfaceConfig{{Name: "eth0", IPv6: true}}}
	tr := &fakeTr{}
	for _, tc := range []struct {
		env   Env
		field string
	}{
		{Env{}, "env.Clock"},
		{Env{Clock: clock}, "env.Transports"},
		{Env{Clock: clock, Transports: map[string]routing.UDPTransport{"eth0": tr}}, "env.Transports6"},
		{Env{Clock: clock, Transports: map[string]routing.UDPTransport{"eth0": tr, "eth1": tr}, Transports6: map[string]routing.UDPTransport{"eth0": tr}}, "env.Transports"},
	} {
		if _, err := New(cfg, tc.env); !errors.Is(err, ErrInvalidConfig) || !strings.Contains(err.Error(), tc.field) {
			t.Errorf("%v, want an error on %s", err, tc.field)
		}
	}
}
