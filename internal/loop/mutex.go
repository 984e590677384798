package loop

import (
	"bytes"
	"sync"

	"github.com/switchless/routing"
)

// Mutex is a sync.Mutex for an event loop. Work that arrives while the
// mutex is held, by another goroutine or further up the holder's own call
// stack (a transport that delivers synchronously from inside Send), is
// not blocked on: Post queues it and the holder runs it, in arrival
// order, before it releases the mutex. So a delivery never waits for the
// event in progress and a re-entrant delivery cannot deadlock.
//
// The zero value is an unlocked Mutex.
type Mutex struct {
	mu    sync.Mutex
	qmu   sync.Mutex
	queue []func()
}

// Lock locks m, waiting for the holder as sync.Mutex.Lock does. Use it
// for API calls, which may wait; deliveries use TryLock or Post.
func (m *Mutex) Lock() { m.mu.Lock() }

// TryLock locks m if it is free and reports whether it did.
func (m *Mutex) TryLock() bool { return m.mu.TryLock() }

// Unlock runs the work posted while m was held, then unlocks m. Work
// posted during that run is run too: Unlock returns once the queue is
// empty and m is free, or another goroutine holds m and will run what
// remains.
func (m *Mutex) Unlock() {
	for {
		for {
			f := m.pop()
			if f == nil {
				break
			}
			f()
		}
		m.mu.Unlock()
		// Work posted between the last pop and the unlock found m held
		// and left it to us; take it back unless someone else holds m
		// now (then they run it).
		if m.empty() || !m.mu.TryLock() {
			return
		}
	}
}

// Post runs f under m: at once if m is free, otherwise queued for the
// holder. f must not lock m itself. Whatever f reads from its caller's
// arguments must be copied before Post (a Packet's payload is only valid
// during delivery).
func (m *Mutex) Post(f func()) {
	m.qmu.Lock()
	m.queue = append(m.queue, f)
	m.qmu.Unlock()
	if m.mu.TryLock() {
		m.Unlock()
	}
}

func (m *Mutex) pop() func() {
	m.qmu.Lock()
	defer m.qmu.Unlock()
	if len(m.queue) == 0 {
		return nil
	}
	f := m.queue[0]
	m.queue[0] = nil
	m.queue = m.queue[1:]
	if len(m.queue) == 0 {
		m.queue = nil
	}
	return f
}

func (m *Mutex) empty() bool {
	m.qmu.Lock()
	defer m.qmu.Unlock()
	return len(m.queue) == 0
}

// Deliver is the transport callback pattern every instance uses: handle
// p under m without ever waiting for m. If m is free, handle runs at once
// and unlock (the owner's release: m.Unlock and whatever the owner does
// after each event, outside the lock) follows. Otherwise the payload is
// copied (it is only valid during the delivery) and handle is posted for
// the holder, which may be this goroutine's own caller (a transport that
// delivers from inside Send). When the holder finished before the post
// (Post then ran handle here), m is taken once more so that unlock runs
// the owner's effects; when it is still held, its holder runs them.
func (m *Mutex) Deliver(p routing.Packet, handle func(routing.Packet), unlock func()) {
	if m.TryLock() {
		handle(p)
		unlock()
		return
	}
	p.Payload = bytes.Clone(p.Payload)
	m.Post(func() { handle(p) })
	if m.TryLock() {
		unlock()
	}
}
