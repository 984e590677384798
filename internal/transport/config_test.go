package transport

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"testing"
)

func TestIPConfigValidate(t *testing.T) {
	ok := IPConfig{Interface: "eth0", Protocol: ProtocolOSPF}
	if err := ok.Validate(); err != nil {
		t.Fatalf("valid config: %v", err)
	}
	tests := []struct {
		name  string
		edit  func(*IPConfig)
		field string
	}{
		{"no interface", func(c *IPConfig) { c.Interface = "" }, "IPConfig.Interface"},
		{"negative index", func(c *IPConfig) { c.IfIndex = -1 }, "IPConfig.IfIndex"},
		{"long name", func(c *IPConfig) { c.Interface = "abcdefghijklmnop" }, "IPConfig.Interface"},
		{"no protocol", func(c *IPConfig) { c.Protocol = 0 }, "IPConfig.Protocol"},
		{"IPPROTO_RAW", func(c *IPConfig) { c.Protocol = 255 }, "IPConfig.Protocol"},
		{"multicast source", func(c *IPConfig) { c.Source = netip.MustParseAddr("224.0.0.5") }, "IPConfig.Source"},
		{"unspecified source", func(c *IPConfig) { c.Source = netip.IPv4Unspecified() }, "IPConfig.Source"},
		{"negative buffer", func(c *IPConfig) { c.ReceiveBuffer = -1 }, "IPConfig.ReceiveBuffer"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := ok
			tt.edit(&c)
			err := c.Validate()
			if !errors.Is(err, ErrInvalidConfig) {
				t.Fatalf("Validate() = %v, want ErrInvalidConfig", err)
			}
			if !strings.Contains(err.Error(), tt.field+":") {
				t.Fatalf("Validate() = %q, does not name %s", err, tt.field)
			}
		})
	}
}

func TestUDPConfigValidate(t *testing.T) {
	ok := UDPConfig{IfIndex: 3}
	if err := ok.Validate(); err != nil {
		t.Fatalf("valid config: %v", err)
	}
	tests := []struct {
		name  string
		edit  func(*UDPConfig)
		field string
	}{
		{"no interface", func(c *UDPConfig) { c.IfIndex = 0 }, "UDPConfig.Interface"},
		{"IPv6 source", func(c *UDPConfig) { c.Source = netip.MustParseAddr("fe80::1") }, "UDPConfig.Source"},
		{"negative buffer", func(c *UDPConfig) { c.ReceiveBuffer = -5 }, "UDPConfig.ReceiveBuffer"},
		{"source port is the port", func(c *UDPConfig) { c.Port, c.SrcPort = PortBFD, PortBFD }, "UDPConfig.SrcPort"},
		{"source port is the default port", func(c *UDPConfig) { c.SrcPort = PortRIP }, "UDPConfig.SrcPort"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := ok
			tt.edit(&c)
			err := c.Validate()
			if !errors.Is(err, ErrInvalidConfig) || !strings.Contains(err.Error(), tt.field+":") {
				t.Fatalf("Validate() = %v, want ErrInvalidConfig naming %s", err, tt.field)
			}
		})
	}
}

// The zero TTL and TOS take the RFC defaults of the protocol.
func TestIPConfigDefaults(t *testing.T) {
	tests := []struct {
		proto    int
		ttl, tos int
	}{
		{ProtocolOSPF, 1, 0xc0},   // RFC 2328 A.1
		{ProtocolVRRP, 255, 0xc0}, // RFC 3768 5.2.3, RFC 5798 5.1.1.3
		{47, 64, 0xc0},
	}
	for _, tt := range tests {
		c := IPConfig{Protocol: tt.proto}
		if c.ttl() != tt.ttl || c.tos() != tt.tos {
			t.Errorf("protocol %d: ttl %d tos %#x, want %d %#x", tt.proto, c.ttl(), c.tos(), tt.ttl, tt.tos)
		}
	}
	c := IPConfig{Protocol: ProtocolOSPF, TTL: 7, TOS: 0x10}
	if c.ttl() != 7 || c.tos() != 0x10 {
		t.Errorf("explicit ttl/tos not kept: %d %#x", c.ttl(), c.tos())
	}
	u := UDPConfig{}
	if u.port() != 520 || u.ttl() != 64 || u.multicastTTL() != 1 || u.tos() != 0xc0 {
		t.Errorf("UDP defaults: port %d ttl %d mttl %d tos %#x", u.port(), u.ttl(), u.multicastTTL(), u.tos())
	}
}

func ExampleIPConfig_Validate() {
	cfg := IPConfig{Interface: "eth0"} // Protocol forgotten
	fmt.Println(cfg.Validate())
	cfg.Protocol = ProtocolVRRP
	fmt.Println(cfg.Validate())
	// Output:
	// transport: invalid configuration: IPConfig.Protocol: must be an IP protocol number in 1..254, got 0
	// <nil>
}
