//go:build !unix

package daemon

import (
	"fmt"

	"github.com/switchless/routing"
)

// InstanceLock is the exclusive lock of one running daemon on its socket.
type InstanceLock struct{}

// LockInstance is not supported off unix.
func LockInstance(name, socket string) (*InstanceLock, error) {
	return nil, fmt.Errorf("%s: lock %s: %w", name, LockPath(socket), routing.ErrUnsupported)
}

// Close does nothing.
func (l *InstanceLock) Close() error { return nil }
