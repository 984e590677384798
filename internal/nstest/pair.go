package nstest

import (
	"fmt"
	"strings"
	"sync"
	"testing"
)

// Pair makes two namespaces (names starting with aPrefix and bPrefix)
// joined by links veth pairs veth0..veth(links-1), addressed
// 10.0.<i>.1/24 on a's side and 10.0.<i>.2/24 on b's: the lab of an
// interop test with our router in a and the peer in b.
func Pair(t testing.TB, aPrefix, bPrefix string, links int) (a, b *NS) {
	t.Helper()
	a, b = New(t, aPrefix), New(t, bPrefix)
	for i := range links {
		name := fmt.Sprintf("veth%d", i)
		Veth(t, a, name, b, name)
		a.Exec(t, "ip", "addr", "add", fmt.Sprintf("10.0.%d.1/24", i), "dev", name)
		b.Exec(t, "ip", "addr", "add", fmt.Sprintf("10.0.%d.2/24", i), "dev", name)
	}
	return a, b
}

// LogWriter is an io.Writer that sends each write to t.Log until Close:
// the sink of a logger whose owner (an instance the test started) may
// still log after the test's own body returned.
type LogWriter struct {
	mu   sync.Mutex
	t    testing.TB
	done bool
}

// NewLogWriter returns a LogWriter for t.
func NewLogWriter(t testing.TB) *LogWriter { return &LogWriter{t: t} }

// Write logs b (its trailing newline trimmed) unless w was closed.
func (w *LogWriter) Write(b []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.done {
		w.t.Log(strings.TrimRight(string(b), "\n"))
	}
	return len(b), nil
}

// Close stops logging: t.Log must not be called after the test ends.
func (w *LogWriter) Close() error {
	w.mu.Lock()
	w.done = true
	w.mu.Unlock()
	return nil
}
