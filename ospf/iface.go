package ospf

import (
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"time"

	"github.com/switchless/routing"
	"github.com/switchless/routing/internal/loop"
	"github.com/switchless/routing/ospf/packet"
)

// iface is one OSPF interface (RFC 2328 §9).
type iface struct {
	in  *Instance
	cfg InterfaceConfig
	pos int
	tr  routing.Transport
	// handleRx is deliver's handler, made once: a closure built per
	// packet would cost an allocation on every receive.
	handleRx func(routing.Packet)

	addr   netip.Addr   // IP interface address
	prefix netip.Prefix // the attached network (masked)

	started bool // transport started
	// detached: not (or no longer) one of the instance's interfaces — an
	// interface Reconfigure removed, or is adding — whose packets are
	// ignored.
	detached bool
	llUp     bool // lower layers report the interface usable
	joined   [2]bool

	state   InterfaceState
	dr, bdr netip.Addr // interface addresses of DR and BDR (§9)
	drID    netip.Addr
	bdrID   netip.Addr
	nbrs    []*neighbor
	pending []ifEvent // events scheduled by hello processing (§10.5)
	hello   loop.Slot
	// reply and lastReply pace the hellos sent in answer to new
	// neighbours (replyHello).
	reply     loop.Slot
	lastReply time.Time
	wait      loop.Slot
	ackTimer  loop.Slot
	delayed   []packet.LSAHeader // delayed acknowledgments (§13.5)
	floodQ    []*dbEntry         // LSAs to flood out, sent at settle
	authSeq   uint32             // cryptographic sequence number (D.4.3)
	ctr       counters
	lastHello time.Time
}

func newIface(in *Instance, pos int, ic InterfaceConfig, tr routing.Transport) *iface {
	ifc := &iface{
		in:     in,
		cfg:    ic,
		pos:    pos,
		tr:     tr,
		addr:   ic.Prefix.Addr(),
		prefix: ic.Prefix.Masked(),
		llUp:   true,
	}
	ifc.handleRx = ifc.handle
	return ifc
}

func (ifc *iface) p2p() bool { return ifc.cfg.Network == NetworkPointToPoint }

func (ifc *iface) log() *slog.Logger { return ifc.in.log }

// deliver is the transport callback: one received packet, handled to
// completion under the instance's lock.
//
// It never waits for the lock (the Transport contract: it may be called
// from inside Send on this goroutine, or from any other): if the lock is
// busy the packet is copied and posted, and whoever holds the lock
// handles it, settled, before releasing it.
func (ifc *iface) deliver(p routing.Packet) {
	ifc.in.mu.Deliver(p, ifc.handleRx, ifc.in.unlock)
}

// handle is one received packet as an input, under the lock.
func (ifc *iface) handle(p routing.Packet) {
	in := ifc.in
	if in.life == lifeRunning && !ifc.detached {
		in.receive(ifc, p)
	}
	in.settleAll()
}

// up handles the lower layers reporting the interface usable (§9.3
// InterfaceUp).
func (ifc *iface) up() {
	if ifc.state != IfDown {
		return
	}
	if !ifc.cfg.Passive && !ifc.joined[0] {
		if err := ifc.tr.JoinGroup(packet.AllSPFRouters); err != nil {
			ifc.log().Warn("ospf: join AllSPFRouters", "interface", ifc.cfg.Name, "err", err)
		} else {
			ifc.joined[0] = true
		}
	}
	ifc.event(ifEvInterfaceUp)
}

// shutdown stops every timer of the interface and its neighbors (Stop).
func (ifc *iface) shutdown() {
	in := ifc.in
	in.disarm(&ifc.hello)
	in.disarm(&ifc.reply)
	in.disarm(&ifc.wait)
	in.disarm(&ifc.ackTimer)
	for _, n := range ifc.nbrs {
		n.stopTimers()
		n.bfdRelease()
	}
}

// schedule queues an interface event to run after the current input is
// processed (§10.5: "scheduled").
func (ifc *iface) schedule(e ifEvent) {
	for _, p := range ifc.pending {
		if p == e {
			return
		}
	}
	ifc.pending = append(ifc.pending, e)
}

// setState moves the interface to s and reports the change.
func (ifc *iface) setState(s InterfaceState) {
	old := ifc.state
	ifc.state = s
	if s != old {
		ifc.in.emit(Event{Kind: EventInterfaceState, Interface: ifc.cfg.Name, OldInterface: old, NewInterface: s})
	}
}

// event runs the interface state machine (§9.3) and its actions.
func (ifc *iface) event(e ifEvent) {
	in := ifc.in
	next, act, ok := ifStep(ifc.state, e, ifc.p2p(), ifc.cfg.priority() > 0)
	if !ok {
		return
	}
	old := ifc.state
	if act&ifActKillNbrs != 0 {
		// §9.3 InterfaceDown/LoopInd: KillNbr on every neighbor.
		for _, n := range append([]*neighbor(nil), ifc.nbrs...) {
			n.event(nbrEvKillNbr)
		}
	}
	if act&ifActReset != 0 {
		in.disarm(&ifc.hello)
		in.disarm(&ifc.reply)
		in.disarm(&ifc.wait)
		in.disarm(&ifc.ackTimer)
		ifc.dr, ifc.bdr, ifc.drID, ifc.bdrID = netip.Addr{}, netip.Addr{}, netip.Addr{}, netip.Addr{}
		ifc.delayed = nil
		ifc.floodQ = nil
		ifc.pending = nil
	}
	ifc.setState(next)
	if act&ifActStartHello != 0 && !ifc.cfg.Passive {
		// §9.3 InterfaceUp: start the Hello Timer; the first hello goes
		// out at once so that neighbors learn of us without waiting a
		// whole HelloInterval.
		ifc.sendHello()
		ifc.armHello()
	}
	if act&ifActStartWait != 0 {
		// §9.3: the Wait Timer lasts RouterDeadInterval. A passive
		// interface hears no hellos, so waiting would teach it nothing.
		d := ifc.cfg.deadInterval()
		if ifc.cfg.Passive {
			d = 0
		}
		in.arm(&ifc.wait, d, func() { ifc.event(ifEvWaitTimer) })
	}
	if act&ifActElect != 0 {
		ifc.elect()
	}
	if ifc.state != old {
		ifc.stateChanged(old, e)
	}
}

// stateChanged logs and reports a transition of the interface state
// machine (§9.3) with the event that caused it: the reason of a DR/BDR
// election's outcome (NeighborChange, BackupSeen, WaitTimer, §9.4).
func (ifc *iface) stateChanged(old InterfaceState, e ifEvent) {
	in := ifc.in
	in.log.Info("ospf: interface state", "interface", ifc.cfg.Name, "from", old.String(), "to", ifc.state.String(),
		"event", e.String(), "dr", addrStr(ifc.dr), "bdr", addrStr(ifc.bdr))
	if ifc.state != IfWaiting {
		in.disarm(&ifc.wait)
	}
	if ifc.state == IfDown && in.rt != nil {
		in.rt.ifaceWentDown = true // the kernel may have dropped routes through it
	}
	// A.1: the DR and BDR listen on AllDRouters.
	wantDR := (ifc.state == IfDR || ifc.state == IfBackup) && !ifc.cfg.Passive
	if wantDR != ifc.joined[1] {
		var err error
		if wantDR {
			err = ifc.tr.JoinGroup(packet.AllDRouters)
		} else {
			err = ifc.tr.LeaveGroup(packet.AllDRouters)
		}
		if err != nil && !errors.Is(err, net.ErrClosed) {
			in.log.Warn("ospf: AllDRouters membership", "interface", ifc.cfg.Name, "join", wantDR, "err", err)
		}
		ifc.joined[1] = wantDR
	}
	if ifc.state == IfDown && ifc.joined[0] {
		_ = ifc.tr.LeaveGroup(packet.AllSPFRouters)
		ifc.joined[0] = false
	}
	// §12.4 (2): an interface state change re-originates the
	// router-LSA; becoming or ceasing to be DR changes network-LSAs.
	in.orig.dirty = true
}

func (ifc *iface) armHello() {
	period := ifc.cfg.helloPeriod()
	due := ifc.in.clock.Now().Add(period)
	ifc.in.arm(&ifc.hello, period, func() {
		if late := ifc.in.clock.Now().Sub(due); late > ifc.cfg.deadInterval() {
			ifc.in.stubResume(late)
		}
		ifc.sendHello()
		ifc.armHello()
	})
}

// elect runs the §9.4 election and applies its result: the new DR and
// BDR, the interface state (step 5) and AdjOK? on every neighbor of at
// least 2-Way when either changed (step 7).
func (ifc *iface) elect() {
	cands := make([]DRCandidate, 0, len(ifc.nbrs)+1)
	cands = append(cands, DRCandidate{
		RouterID: ifc.in.rid, Addr: ifc.addr, Priority: ifc.cfg.priority(), DR: ifc.dr, BDR: ifc.bdr,
	})
	for _, n := range ifc.nbrs {
		if n.state >= NbrTwoWay {
			cands = append(cands, DRCandidate{RouterID: n.rid, Addr: n.addr, Priority: n.priority, DR: n.dr, BDR: n.bdr})
		}
	}
	res := ElectDR(ifc.addr, cands)
	changed := res.DR != ifc.dr || res.BDR != ifc.bdr
	ifc.dr, ifc.bdr, ifc.drID, ifc.bdrID = res.DR, res.BDR, res.DRID, res.BDRID
	ifc.setState(electedState(ifc.addr, res))
	if changed {
		ifc.in.orig.dirty = true // §12.4 (4): the DR changed
		for _, n := range append([]*neighbor(nil), ifc.nbrs...) {
			if n.state >= NbrTwoWay {
				n.event(nbrEvAdjOK)
			}
		}
	}
}

// replyGap is the least time between two hellos sent in answer to new
// neighbours on one interface: a tenth of the hello period, at most
// 100 ms.
func (ifc *iface) replyGap() time.Duration {
	return min(ifc.cfg.helloPeriod()/10, 100*time.Millisecond)
}

// replyHello sends a hello that lists the neighbours just heard, at once
// or, within replyGap of the last such reply, at the end of the gap: one
// hello then answers every neighbour that appeared meanwhile. Without
// the pacing, each of N routers appearing at once (a LAN booting, or a
// hostile neighbour inventing a thousand) is answered by a hello listing
// all the others so far: N² bytes on the wire and in memory.
func (ifc *iface) replyHello() {
	in := ifc.in
	now := in.clock.Now()
	gap := ifc.replyGap()
	if ifc.lastReply.IsZero() || now.Sub(ifc.lastReply) >= gap {
		ifc.lastReply = now
		ifc.sendHello()
		return
	}
	if !ifc.reply.Armed() {
		in.arm(&ifc.reply, ifc.lastReply.Add(gap).Sub(now), func() {
			ifc.lastReply = in.clock.Now()
			ifc.sendHello()
		})
	}
}

// sendHello sends a hello to AllSPFRouters (§9.5).
func (ifc *iface) sendHello() {
	if ifc.cfg.Passive || ifc.state == IfDown || ifc.state == IfLoopback {
		return
	}
	h := packet.Hello{
		NetworkMask:            packet.Mask(ifc.cfg.Prefix.Bits()),
		HelloInterval:          uint16(ifc.cfg.helloInterval() / time.Second),
		Options:                ifc.in.options(),
		Priority:               ifc.cfg.priority(),
		RouterDeadInterval:     uint32(ifc.cfg.deadInterval() / time.Second),
		DesignatedRouter:       ifc.dr,
		BackupDesignatedRouter: ifc.bdr,
	}
	// §9.5: the hello lists every router heard from recently: neighbors
	// in state Init or higher. The RFC sets no bound, and a LAN where a
	// thousand routers (or one attacker inventing them) say hello would
	// make the list longer than the MTU; FRR then stops sending hellos
	// at all ("Oversized Hello packet") and its real adjacencies die.
	// Ours stays within one packet and lists the neighbours that matter
	// first: those in 2-Way or higher, whose adjacencies depend on
	// seeing themselves listed (§10.5), then the ones in Init.
	fit := (ifc.room() - packet.HeaderLen - helloFixedLen) / 4
	for _, pass := range []func(NeighborState) bool{
		func(s NeighborState) bool { return s >= NbrTwoWay },
		func(s NeighborState) bool { return s == NbrInit },
	} {
		for _, n := range ifc.nbrs {
			if len(h.Neighbors) < fit && pass(n.state) {
				h.Neighbors = append(h.Neighbors, n.rid)
			}
		}
	}
	ifc.send(packet.AllSPFRouters, packet.TypeHello, h.AppendBinary)
	ifc.lastHello = ifc.in.clock.Now()
}

// helloFixedLen is the Hello body before its neighbour list (A.3.2).
const helloFixedLen = 20

// options are the Options this router advertises: E, since the backbone
// carries AS-external LSAs (A.2).
func (in *Instance) options() packet.Options { return packet.OptE }

// authLen is the length of the digest appended to each packet.
func (ifc *iface) authLen() int {
	if ifc.cfg.Auth.Type != packet.AuthCrypto {
		return 0
	}
	k, ok := ifc.cfg.Auth.SendKey(ifc.in.clock.Now())
	if !ok {
		return 0
	}
	return k.Algorithm.Size()
}

// room is the OSPF payload (header included) that fits in one IP packet
// on the interface, without the digest.
func (ifc *iface) room() int {
	return ifc.cfg.mtu() - ipHeaderLen - ifc.authLen()
}

// send encodes a packet of type t whose body appendBody writes, signs it
// and hands it to the transport.
func (ifc *iface) send(dst netip.Addr, t packet.PacketType, appendBody func([]byte) ([]byte, error)) {
	in := ifc.in
	h := packet.Header{Type: t, RouterID: in.rid, AreaID: in.area}
	b, err := h.AppendBinary(in.txbuf[:0])
	if err == nil {
		b, err = appendBody(b)
	}
	if err != nil {
		in.log.Error("ospf: encode", "interface", ifc.cfg.Name, "type", t.String(), "err", err)
		return
	}
	ifc.sendEncoded(dst, t, b)
}

// sendEncoded finishes a packet whose header and body are in b: packet
// length, checksum or digest (Auth.Sign), then sends it.
func (ifc *iface) sendEncoded(dst netip.Addr, t packet.PacketType, b []byte) {
	in := ifc.in
	if len(b) > 0xffff {
		in.log.Error("ospf: packet too large", "interface", ifc.cfg.Name, "type", t.String(), "len", len(b))
		return
	}
	packet.PutPacketLength(b)
	now := in.clock.Now()
	// D.4.3 step 5: the cryptographic sequence number never decreases;
	// seeding it from the clock keeps it increasing across restarts.
	if s := uint32(now.Unix()); s > ifc.authSeq {
		ifc.authSeq = s
	} else {
		ifc.authSeq++
	}
	b, err := ifc.cfg.Auth.Sign(b, ifc.authSeq, now)
	if err != nil {
		in.log.Error("ospf: sign", "interface", ifc.cfg.Name, "type", t.String(), "err", err)
		return
	}
	if err := ifc.tr.Send(dst, b); err != nil {
		ifc.ctr.txErr++
		if in.debugEnabled() {
			in.log.Debug("ospf: send", "interface", ifc.cfg.Name, "type", t.String(), "dst", dst.String(), "err", err)
		}
	} else {
		ifc.ctr.tx[t]++
	}
	in.txbuf = b[:0]
}

// drop counts a dropped packet or LSA and logs it at debug level.
func (ifc *iface) drop(r DropReason, src netip.Addr, err error) {
	ifc.ctr.drops[r]++
	in := ifc.in
	if r.operatorVisible() {
		if suppressed, ok := in.dropLog.Allow(dropLogKey{ifc.cfg.Name, r, src}, in.clock.Now()); ok {
			in.log.Warn("ospf: packet dropped", "interface", ifc.cfg.Name, "reason", r.String(), "src", src.String(),
				"err", err, "suppressed", suppressed)
			return
		}
	}
	if in.debugEnabled() {
		in.log.Debug("ospf: drop", "interface", ifc.cfg.Name, "reason", r.String(), "src", src.String(), "err", err)
	}
}

// floodDest is where LS Updates and delayed acks go on this interface
// (§13.3 step 5, §13.5): AllSPFRouters on point-to-point networks and
// from the DR and BDR, AllDRouters from everyone else.
func (ifc *iface) floodDest() netip.Addr {
	if ifc.p2p() || ifc.state == IfDR || ifc.state == IfBackup {
		return packet.AllSPFRouters
	}
	return packet.AllDRouters
}

// queueFlood queues an LSA to flood out the interface at settle.
func (ifc *iface) queueFlood(e *dbEntry) {
	for i, q := range ifc.floodQ {
		if q.hdr.Key() == e.hdr.Key() {
			ifc.floodQ[i] = e
			return
		}
	}
	ifc.floodQ = append(ifc.floodQ, e)
}

// queueDelayedAck queues a delayed acknowledgment (§13.5), sent within
// a second (less than RxmtInterval, as §13.5 requires).
func (ifc *iface) queueDelayedAck(h packet.LSAHeader) {
	ifc.delayed = append(ifc.delayed, h)
	if !ifc.ackTimer.Armed() {
		d := min(time.Second, ifc.cfg.rxmtInterval()/2)
		ifc.in.arm(&ifc.ackTimer, d, ifc.sendDelayedAcks)
	}
}

func (ifc *iface) sendDelayedAcks() {
	if len(ifc.delayed) == 0 || ifc.state == IfDown {
		ifc.delayed = nil
		return
	}
	ifc.sendAcks(ifc.floodDest(), ifc.delayed)
	ifc.delayed = nil
}

// flushQueues sends what the input queued: floods out the interface and
// each neighbor's direct acknowledgments and direct LS Updates.
func (ifc *iface) flushQueues() {
	if len(ifc.floodQ) > 0 {
		if ifc.state != IfDown && ifc.state != IfLoopback && !ifc.cfg.Passive {
			ifc.sendLSU(ifc.floodDest(), ifc.floodQ)
		}
		clear(ifc.floodQ)
		ifc.floodQ = ifc.floodQ[:0]
	}
	for _, n := range ifc.nbrs {
		if len(n.directAcks) > 0 {
			ifc.sendAcks(n.dest(), n.directAcks)
			n.directAcks = n.directAcks[:0]
		}
		if len(n.directLSU) > 0 {
			ifc.sendLSU(n.dest(), n.directLSU)
			clear(n.directLSU)
			n.directLSU = n.directLSU[:0]
		}
	}
}

// sendAcks sends LS Acknowledgments for hs, as many packets as needed.
func (ifc *iface) sendAcks(dst netip.Addr, hs []packet.LSAHeader) {
	per := max((ifc.room()-packet.HeaderLen)/packet.LSAHeaderLen, 1)
	for len(hs) > 0 {
		k := min(per, len(hs))
		batch := hs[:k]
		ifc.send(dst, packet.TypeLSAck, func(b []byte) ([]byte, error) {
			return packet.LSAck{LSAHeaders: batch}.AppendBinary(b)
		})
		hs = hs[k:]
	}
}

// sendLSU sends LS Updates carrying es, packed into as few packets as the
// MTU allows, each LSA aged by InfTransDelay (§13.3 step 5).
func (ifc *iface) sendLSU(dst netip.Addr, es []*dbEntry) {
	in := ifc.in
	now := in.clock.Now()
	delay := uint16(ifc.cfg.transmitDelay() / time.Second)
	room := ifc.room()
	for i := 0; i < len(es); {
		h := packet.Header{Type: packet.TypeLSUpdate, RouterID: in.rid, AreaID: in.area}
		b, _ := h.AppendBinary(in.txbuf[:0])
		countAt := len(b)
		b = append(b, 0, 0, 0, 0)
		n := 0
		for i < len(es) {
			e := es[i]
			// Always put at least one LSA in a packet, even one larger
			// than the MTU (IP fragments it).
			if n > 0 && len(b)+len(e.raw) > room {
				break
			}
			b = e.appendWire(b, now, delay)
			n++
			i++
		}
		binary.BigEndian.PutUint32(b[countAt:], uint32(n))
		ifc.sendEncoded(dst, packet.TypeLSUpdate, b)
	}
}

// lookup finds the neighbor a packet comes from (§10.5, §8.2): by IP
// source on broadcast networks, by Router ID on point-to-point ones.
func (ifc *iface) lookup(rid, src netip.Addr) *neighbor {
	for _, n := range ifc.nbrs {
		if ifc.p2p() {
			if n.rid == rid {
				return n
			}
		} else if n.addr == src {
			return n
		}
	}
	return nil
}

// receiveHello processes a hello (§10.5) after the §8.2 checks.
func (ifc *iface) receiveHello(h packet.Header, src netip.Addr, hello *packet.Hello, replay ReplayState) {
	in := ifc.in
	// §10.5: the Network Mask must match, except on point-to-point
	// networks, and so must HelloInterval and RouterDeadInterval.
	if !ifc.p2p() && hello.NetworkMask != packet.Mask(ifc.cfg.Prefix.Bits()) {
		ifc.drop(DropHelloMask, src, fmt.Errorf("network mask mismatch: expected /%d, received %s", ifc.cfg.Prefix.Bits(), maskString(hello.NetworkMask)))
		return
	}
	if hello.HelloInterval != uint16(ifc.cfg.helloInterval()/time.Second) {
		ifc.drop(DropHelloInterval, src, fmt.Errorf("HelloInterval mismatch: expected %d, received %d", ifc.cfg.helloInterval()/time.Second, hello.HelloInterval))
		return
	}
	if hello.RouterDeadInterval != uint32(ifc.cfg.deadInterval()/time.Second) {
		ifc.drop(DropDeadInterval, src, fmt.Errorf("RouterDeadInterval mismatch: expected %d, received %d", ifc.cfg.deadInterval()/time.Second, hello.RouterDeadInterval))
		return
	}
	// §10.5: the E-bit must match the area's ExternalRoutingCapability.
	if hello.Options&packet.OptE != in.options()&packet.OptE {
		ifc.drop(DropHelloOptions, src, fmt.Errorf("external routing capability (E-bit) mismatch: expected %v, received %v", in.options()&packet.OptE != 0, hello.Options&packet.OptE != 0))
		return
	}
	ifc.ctr.rx[packet.TypeHello]++
	n := ifc.lookup(h.RouterID, src)
	if n != nil && !ifc.p2p() && n.rid != h.RouterID {
		// The router at this address changed its Router ID: forget the
		// old conversation.
		n.event(nbrEvKillNbr)
		n = nil
	}
	isNew := n == nil
	if isNew {
		n = newNeighbor(ifc, h.RouterID, src)
		n.replay = replay
		ifc.nbrs = append(ifc.nbrs, n)
	}
	// §10.5: record what the hello says. On point-to-point networks the
	// neighbor's address may change; on broadcast networks it is the key.
	n.addr = src
	if n.bfd != nil && n.bfd.peer != src {
		n.bfdSync() // the session is to the neighbor's address
	}
	oldPri, oldDR, oldBDR := n.priority, n.dr, n.bdr
	n.priority = hello.Priority
	n.options = hello.Options
	n.dr = zeroIfUnspecified(hello.DesignatedRouter)
	n.bdr = zeroIfUnspecified(hello.BackupDesignatedRouter)

	n.event(nbrEvHelloReceived)
	listed := false
	for _, r := range hello.Neighbors {
		if r == in.rid {
			listed = true
			break
		}
	}
	if !listed {
		// §10.5: 1-WayReceived, and stop processing the hello.
		n.event(nbrEvOneWayReceived)
		// The neighbor has not heard us (it is new, or restarted): answer
		// with a hello now, which lists it, instead of letting it wait up
		// to a HelloInterval. §9.5 sets the period of hellos, not a
		// ceiling on them; once per hello period per neighbor bounds the
		// replies to the periodic rate. The neighbor then reaches 2-Way at
		// once and, on a point-to-point network, starts the database
		// exchange (§10.6 treats its DD in state Init as 2-WayReceived).
		if now := in.clock.Now(); n.helloReplied.IsZero() || now.Sub(n.helloReplied) >= ifc.cfg.helloPeriod() {
			n.helloReplied = now
			ifc.replyHello()
		}
		return
	}
	n.event(nbrEvTwoWayReceived)
	if ifc.p2p() || n.state == NbrDown {
		return
	}
	// §10.5, broadcast networks: priority and DR/BDR declarations.
	if !isNew && oldPri != n.priority {
		ifc.schedule(ifEvNeighborChange)
	}
	declDR, wasDR := n.dr == n.addr, !isNew && oldDR == n.addr
	declBDR, wasBDR := n.bdr == n.addr, !isNew && oldBDR == n.addr
	if declDR && !n.bdr.IsValid() && ifc.state == IfWaiting {
		ifc.schedule(ifEvBackupSeen)
	} else if declDR != wasDR {
		ifc.schedule(ifEvNeighborChange)
	}
	if declBDR && ifc.state == IfWaiting {
		ifc.schedule(ifEvBackupSeen)
	} else if declBDR != wasBDR {
		ifc.schedule(ifEvNeighborChange)
	}
}

// addrStr formats an address for logs, the zero Addr as 0.0.0.0.
func addrStr(a netip.Addr) string {
	if !a.IsValid() {
		return "0.0.0.0"
	}
	return a.String()
}

func zeroIfUnspecified(a netip.Addr) netip.Addr {
	if a.IsUnspecified() {
		return netip.Addr{}
	}
	return a
}
