// Package livenesstest is a routing.Liveness for the tests of the
// protocols that take one (ospf, rip): it records every Watch and
// release and lets a test report a session Up or Down, from another
// goroutine as a real BFD does, whenever it likes. It runs no BFD.
package livenesstest

import (
	"errors"
	"net/netip"
	"sync"
)

// Fake is a routing.Liveness that records its clients. The zero value is
// ready to use.
type Fake struct {
	mu       sync.Mutex
	sessions []*Session
	// err, when set, is returned by Watch (SetErr).
	err error
	// onWatch, when set, is called by Watch before it returns.
	onWatch func(*Session)
}

// Session is one Watch call.
type Session struct {
	IfName      string
	Local, Peer netip.Addr

	f        *Fake
	notify   func(bool)
	released int // release calls (the first ends the interest)
}

// ErrRefused is what Watch returns after SetErr(ErrRefused).
var ErrRefused = errors.New("livenesstest: watch refused")

// SetErr makes the following Watch calls fail with err (nil: succeed).
func (f *Fake) SetErr(err error) {
	f.mu.Lock()
	f.err = err
	f.mu.Unlock()
}

// OnWatch sets a function Watch calls with the new session, while the
// client is inside Watch (perhaps under its own lock).
func (f *Fake) OnWatch(fn func(*Session)) {
	f.mu.Lock()
	f.onWatch = fn
	f.mu.Unlock()
}

// Watch implements routing.Liveness. It never calls notify.
func (f *Fake) Watch(ifName string, local, peer netip.Addr, notify func(up bool)) (func(), error) {
	f.mu.Lock()
	if f.err != nil {
		err := f.err
		f.mu.Unlock()
		return nil, err
	}
	s := &Session{IfName: ifName, Local: local, Peer: peer, f: f, notify: notify}
	f.sessions = append(f.sessions, s)
	hook := f.onWatch
	f.mu.Unlock()
	if hook != nil {
		hook(s)
	}
	return s.release, nil
}

func (s *Session) release() {
	s.f.mu.Lock()
	s.released++
	s.f.mu.Unlock()
}

// Released reports whether the session was released.
func (s *Session) Released() bool {
	s.f.mu.Lock()
	defer s.f.mu.Unlock()
	return s.released > 0
}

// Fire reports the session Up (true) or Down (false) from a goroutine of
// its own, as a BFD implementation does, and returns once notify has
// returned. It does nothing for a released session (the contract: no
// notify starts after release returns); see FireLate.
func (s *Session) Fire(up bool) {
	if s.Released() {
		return
	}
	s.FireLate(up)
}

// FireLate calls notify even if the session was released: a notify
// that had already started when release was called, which the client
// sees only after it released the session.
func (s *Session) FireLate(up bool) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		s.notify(up)
	}()
	<-done
}

// Watches is the number of Watch calls that succeeded.
func (f *Fake) Watches() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.sessions)
}

// Releases is the number of sessions released (each counted once, however
// many times its release was called).
func (f *Fake) Releases() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, s := range f.sessions {
		if s.released > 0 {
			n++
		}
	}
	return n
}

// Active returns the sessions not released, in Watch order.
func (f *Fake) Active() []*Session {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []*Session
	for _, s := range f.sessions {
		if s.released == 0 {
			out = append(out, s)
		}
	}
	return out
}

// Find returns the last session watched on ifName to peer, released or
// not, or nil.
func (f *Fake) Find(ifName string, peer netip.Addr) *Session {
	f.mu.Lock()
	defer f.mu.Unlock()
	for k := len(f.sessions) - 1; k >= 0; k-- {
		if s := f.sessions[k]; s.IfName == ifName && s.Peer == peer {
			return s
		}
	}
	return nil
}
