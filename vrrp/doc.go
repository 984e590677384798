// Package vrrp implements the Virtual Router Redundancy Protocol, version 2
// (RFC 3768, IPv4) and version 3 (RFC 5798, IPv4 and IPv6).
package vrrp
