package ospf

import (
	"strconv"

	"github.com/switchless/routing/ospf/packet"
)

// DropReason says why a received packet, or one LSA inside a Link State
// Update, was dropped without changing any state.
type DropReason uint8

// Drop reasons. Every packet an interface receives is either processed or
// counted under exactly one of them; LSAs dropped individually inside an
// otherwise good Link State Update count under the Drop*LSA reasons.
const (
	// DropMalformed: the packet does not decode (short, bad lengths, bad
	// version, unknown type); RFC 2328 §8.2.
	DropMalformed DropReason = iota
	// DropChecksum: the packet checksum is wrong (§8.2, D.4.1).
	DropChecksum
	// DropAuthType: AuType differs from the interface's (§8.2, D.5).
	DropAuthType
	// DropAuth: wrong password or digest, unknown key ID, bad
	// authentication data length (D.5).
	DropAuth
	// DropReplay: the cryptographic sequence number went backwards
	// (D.5.3).
	DropReplay
	// DropWrongArea: the Area ID is not the interface's (§8.2; virtual
	// links are not supported).
	DropWrongArea
	// DropSelf: the packet carries our own Router ID (§8.2: packets we
	// sent that came back, or a Router ID collision).
	DropSelf
	// DropWrongSource: on a broadcast network the IP source is not on the
	// interface's subnet (§8.2).
	DropWrongSource
	// DropWrongDest: sent to AllDRouters while we are neither DR nor BDR
	// (§8.2).
	DropWrongDest
	// DropInterfaceDown: the interface is down, looped back or passive.
	DropInterfaceDown
	// DropHelloMask: the hello's Network Mask differs from ours on a
	// broadcast network (§10.5).
	DropHelloMask
	// DropHelloInterval: HelloInterval differs (§10.5).
	DropHelloInterval
	// DropDeadInterval: RouterDeadInterval differs (§10.5).
	DropDeadInterval
	// DropHelloOptions: the E-bit differs (§10.5).
	DropHelloOptions
	// DropUnknownNeighbor: a non-hello packet from a router that is not a
	// neighbor on the interface (§10.5, §10.6).
	DropUnknownNeighbor
	// DropNeighborState: a packet the neighbor's state does not allow,
	// such as a DD from a neighbor in Init that stays 2-Way, or an LS
	// Update below Exchange (§10.6, §10.7, §13, §13.7).
	DropNeighborState
	// DropMTU: the DD's Interface MTU exceeds ours and MTUIgnore is off
	// (§10.6).
	DropMTU
	// DropDDSequence: a DD ignored in ExStart because it is not a valid
	// negotiation packet, or a duplicate the master discards (§10.6).
	DropDDSequence
	// DropLSAChecksum: an LSA in an LS Update has a bad LS checksum
	// (§13 step 1).
	DropLSAChecksum
	// DropLSAType: an LSA of a type we do not handle (§13 step 2).
	DropLSAType
	// DropLSAMinArrival: a new instance arrived within MinLSArrival of
	// the previous (§13 step 5a).
	DropLSAMinArrival
	// DropLSAMalformed: an LSA whose body does not decode.
	DropLSAMalformed
	// DropLSAOverflow: a new non-default AS-external-LSA that would take
	// the database past Config.ExternalLSDBLimit, dropped and not
	// acknowledged (RFC 1765 §2.3.1).
	DropLSAOverflow
	numDropReasons
)

var dropReasonNames = [...]string{
	DropMalformed:       "malformed",
	DropChecksum:        "checksum",
	DropAuthType:        "auth-type",
	DropAuth:            "auth",
	DropReplay:          "auth-replay",
	DropWrongArea:       "wrong-area",
	DropSelf:            "self-originated",
	DropWrongSource:     "wrong-source",
	DropWrongDest:       "wrong-destination",
	DropInterfaceDown:   "interface-down",
	DropHelloMask:       "hello-mask",
	DropHelloInterval:   "hello-interval",
	DropDeadInterval:    "dead-interval",
	DropHelloOptions:    "hello-options",
	DropUnknownNeighbor: "unknown-neighbor",
	DropNeighborState:   "neighbor-state",
	DropMTU:             "mtu-mismatch",
	DropDDSequence:      "dd-sequence",
	DropLSAChecksum:     "lsa-checksum",
	DropLSAType:         "lsa-type",
	DropLSAMinArrival:   "lsa-min-arrival",
	DropLSAMalformed:    "lsa-malformed",
	DropLSAOverflow:     "lsa-overflow",
}

// String returns a short kebab-case name, stable for metrics.
func (r DropReason) String() string {
	if int(r) < len(dropReasonNames) {
		return dropReasonNames[r]
	}
	return "DropReason(" + strconv.Itoa(int(r)) + ")"
}

// counters are the per-interface counters, kept under the instance mutex.
type counters struct {
	rx    [packet.TypeLSAck + 1]uint64
	tx    [packet.TypeLSAck + 1]uint64
	drops [numDropReasons]uint64
	txErr uint64
	// bfdDown counts neighbors killed by BFD (bfd.go).
	bfdDown uint64
}

// Stats are an interface's (or, summed, an instance's) packet counters.
type Stats struct {
	// Received counts packets accepted for processing, by type.
	Received map[packet.PacketType]uint64
	// Sent counts packets handed to the transport, by type.
	Sent map[packet.PacketType]uint64
	// SendErrors counts sends the transport refused.
	SendErrors uint64
	// Dropped counts dropped packets (and LSAs) by reason; reasons never
	// seen are absent.
	Dropped map[DropReason]uint64
	// BFDDown counts neighbors killed because their BFD session went
	// Down (InterfaceConfig.BFD).
	BFDDown uint64
}

func (c *counters) stats() Stats {
	s := Stats{Received: map[packet.PacketType]uint64{}, Sent: map[packet.PacketType]uint64{}, Dropped: map[DropReason]uint64{}, SendErrors: c.txErr}
	c.addTo(&s)
	return s
}

func (c *counters) addTo(s *Stats) {
	s.BFDDown += c.bfdDown
	for t := packet.TypeHello; t <= packet.TypeLSAck; t++ {
		if c.rx[t] != 0 {
			s.Received[t] += c.rx[t]
		}
		if c.tx[t] != 0 {
			s.Sent[t] += c.tx[t]
		}
	}
	for r, n := range c.drops {
		if n != 0 {
			s.Dropped[DropReason(r)] += n
		}
	}
}

// add adds o's counts to c (Reconfigure keeps a removed interface's).
func (c *counters) add(o *counters) {
	for i := range c.rx {
		c.rx[i] += o.rx[i]
		c.tx[i] += o.tx[i]
	}
	for i := range c.drops {
		c.drops[i] += o.drops[i]
	}
	c.txErr += o.txErr
	c.bfdDown += o.bfdDown
}
