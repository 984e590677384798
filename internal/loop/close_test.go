package loop

import (
	"context"
	"errors"
	"testing"
	"time"
)

type closer struct {
	err   error
	block chan struct{}
	done  bool
}

func (c *closer) Close() error {
	if c.block != nil {
		<-c.block
	}
	c.done = true
	return c.err
}

func TestCloseAll(t *testing.T) {
	e1 := errors.New("one")
	cs := []*closer{{err: e1}, {}, {err: errors.New("three")}}
	err := CloseAll(context.Background(), cs)
	if !errors.Is(err, e1) || !cs[1].done || !cs[2].done {
		t.Errorf("CloseAll = %v; closed %v %v %v", err, cs[0].done, cs[1].done, cs[2].done)
	}
	stuck := &closer{block: make(chan struct{})}
	defer close(stuck.block)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	if err := CloseAll(ctx, []*closer{stuck}); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("stuck Close: %v, want the context's error", err)
	}
}
