package ospf

import (
	"errors"
	"fmt"

	"github.com/switchless/routing/ospf/packet"
)

// Errors of the Instance and its configuration, named as in every protocol
// package of the suite. Validate and New wrap ErrInvalidConfig (and
// ErrNotImplemented for features not yet implemented) with the field and
// the reason. Codec errors are package packet's; Listen wraps
// routing.ErrUnsupported off Linux.
var (
	// ErrInvalidConfig is wrapped by every configuration error.
	ErrInvalidConfig = errors.New("ospf: invalid configuration")
	// ErrNotImplemented is wrapped when a configuration asks for something
	// this package does not implement yet (NBMA, point-to-multipoint,
	// areas other than the backbone).
	ErrNotImplemented = errors.New("ospf: not implemented")
	// ErrRestartRequired is wrapped by Reconfigure for a change it cannot
	// apply to the running instance (router_id, fib.table), naming the
	// field: stop the instance and start a new one with the new
	// configuration.
	ErrRestartRequired = errors.New("ospf: restart required")
	// ErrStarted is returned by a second Start.
	ErrStarted = errors.New("ospf: instance already started")
	// ErrStopped is returned by Start after Stop: an Instance runs once.
	ErrStopped = errors.New("ospf: instance stopped")
	// ErrNoInterface is returned by InterfaceUp and InterfaceDown for a
	// name that is not configured.
	ErrNoInterface = errors.New("ospf: no such interface")

	// Authentication failures that depend on configuration and neighbor
	// state rather than on the bytes alone; both wrap packet.ErrAuth, as
	// the codec's own authentication errors do.
	// ErrAuthKeyID means no configured key has the packet's Key ID, or
	// the key is outside its accept lifetime (RFC 2328 D.3).
	ErrAuthKeyID = fmt.Errorf("%w: unknown key ID", packet.ErrAuth)
	// ErrReplay means the cryptographic sequence number went backwards
	// (or, in ReplayStrict mode, did not go forwards): RFC 2328 D.5.3.
	ErrReplay = fmt.Errorf("%w: replayed cryptographic sequence number", packet.ErrAuth)
)
