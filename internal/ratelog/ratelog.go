// Package ratelog decides which of a flood of similar events get a log
// line: one per key (interface, reason, source) per interval, and at most
// a bounded number of keys per interval, so that a neighbour inventing
// sources cannot make the log grow with the attack (issue 16). The lines
// that are written carry the count of those suppressed since the last
// one. Time comes from the caller (the protocols' injected clocks).
package ratelog

import "time"

// Defaults for a zero Limiter.
const (
	// DefaultInterval is how often one key may log.
	DefaultInterval = time.Minute
	// DefaultKeys bounds the keys remembered per interval.
	DefaultKeys = 64
)

// Limiter is a per-key rate limit for log lines. The zero value uses the
// defaults. It is not safe for concurrent use: the protocols call it with
// their instance lock held.
type Limiter[K comparable] struct {
	// Interval is how often one key may log; zero means DefaultInterval.
	Interval time.Duration
	// Keys bounds the distinct keys logged per interval; zero means
	// DefaultKeys. Past it, every event is suppressed until the
	// interval ends.
	Keys int

	since      time.Time
	seen       map[K]struct{}
	suppressed int
}

// Allow reports whether the event of key k at now may be logged and, if
// so, how many events were suppressed since the last one that was.
func (l *Limiter[K]) Allow(k K, now time.Time) (suppressed int, ok bool) {
	interval, keys := l.Interval, l.Keys
	if interval <= 0 {
		interval = DefaultInterval
	}
	if keys <= 0 {
		keys = DefaultKeys
	}
	if l.seen == nil || now.Sub(l.since) >= interval || now.Before(l.since) {
		l.since, l.seen = now, make(map[K]struct{})
	}
	if _, dup := l.seen[k]; dup || len(l.seen) >= keys {
		l.suppressed++
		return 0, false
	}
	l.seen[k] = struct{}{}
	n := l.suppressed
	l.suppressed = 0
	return n, true
}
