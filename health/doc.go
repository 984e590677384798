// Package health is the suite's one health-check shape: what a tracked
// object is ([Checker], [CheckFunc]), how consecutive results become an
// up/down state ([Hysteresis], rise/fall as in keepalived's and HAProxy's
// checks), and a [Monitor] that polls a Checker on an injected
// routing.Clock.
//
// VRRP tracking (package vrrp) and anycast services use it, so a check
// written once (a command, an HTTP probe, a socket test) serves both.
//
// The pieces stand alone:
//
//   - Hysteresis is sans-I/O: Observe one result, learn whether the state
//     changed. Callers that already own a timer and a lock (a vrrp.Router,
//     which runs every event to completion) use only this.
//   - Monitor owns the polling: every Interval it runs the check on its
//     own goroutine, outside any lock, bounded by Timeout; a check that
//     does not return by its timeout counts as a failure then, and its
//     late result is ignored. Each result, and each up/down change, is
//     reported through Env.OnResult, one at a time and in order.
package health
