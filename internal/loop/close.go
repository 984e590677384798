package loop

import (
	"context"
	"errors"
	"io"
)

// CloseAll closes an instance's transports at Stop, in order, and waits
// for them no longer than ctx allows: a transport whose receive goroutine
// is stuck must not hold the stop. It returns every Close error joined,
// or ctx's error if ctx ends first (the closing goes on in the
// background).
func CloseAll[T io.Closer](ctx context.Context, trs []T) error {
	done := make(chan error, 1)
	go func() {
		var errs []error
		for _, tr := range trs {
			if err := tr.Close(); err != nil {
				errs = append(errs, err)
			}
		}
		done <- errors.Join(errs...)
	}()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}
