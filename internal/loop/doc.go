// Package loop holds the two pieces every protocol instance of the suite
// runs its events on: a [Mutex] under which each event (a packet, a timer,
// an API call) is handled to completion, and which never makes a delivery
// wait behind it; and a [Slot], one protocol timer that can be re-armed
// and stopped without a stale callback ever running.
//
// Every instance (ospf.Instance, vrrp.Router, rip.Instance, bfd sessions)
// uses these instead of a hand-rolled generation counter, so the Transport
// contract of the root package (deliver may be called from inside Send,
// Start or JoinGroup, or from any goroutine) holds for all of them alike.
package loop
