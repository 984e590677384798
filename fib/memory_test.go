package fib_test

import (
	"testing"

	"github.com/switchless/routing/fib"
	"github.com/switchless/routing/fib/fibtest"
)

func TestMemoryConformance(t *testing.T) {
	fibtest.Conformance(t, func(t *testing.T) (fib.Sink, fibtest.Env) {
		return fib.NewMemory(), fibtest.MemoryEnv()
	})
}
