package packet

import (
	"errors"
	"fmt"
	"io"
)

// Sentinel errors. Decoders, encoders and the authentication functions
// wrap them with %w and context, so callers test with errors.Is and count
// drops by reason.
var (
	// ErrShort means the message ended before a field the format
	// requires. It wraps io.ErrUnexpectedEOF.
	ErrShort = fmt.Errorf("rip: truncated: %w", io.ErrUnexpectedEOF)
	// ErrLength means the route entries do not fill the message in whole
	// 20-byte entries, or the packet length of a cryptographic
	// authentication header disagrees with the message.
	ErrLength = errors.New("rip: bad length")
	// ErrVersion means the version field is 0 (RFC 1058 §3.4: ignored).
	ErrVersion = errors.New("rip: bad version")
	// ErrCommand means a command other than request (1) or response (2)
	// (RFC 2453 §4: the others are obsolete).
	ErrCommand = errors.New("rip: unknown command")
	// ErrTooManyEntries means more than 25 entries, the authentication
	// entry included (RFC 2453 §4: a message is at most 512 bytes).
	ErrTooManyEntries = errors.New("rip: more than 25 entries")
	// ErrMalformed means a field holds a value the format forbids, such
	// as a cryptographic trailer without its 0xFFFF/0x0001 header.
	ErrMalformed = errors.New("rip: malformed field")
	// ErrEncode means a value cannot be encoded: an address that is not
	// IPv4, a password over 16 bytes, a command or version out of range.
	ErrEncode = errors.New("rip: cannot encode")

	// ErrAuth is the umbrella of every authentication failure below:
	// errors.Is(err, ErrAuth) holds for each of them.
	ErrAuth = errors.New("rip: authentication failed")
	// ErrAuthType means an unknown authentication type, or a message
	// whose authentication type is not the one expected.
	ErrAuthType = fmt.Errorf("%w: authentication type", ErrAuth)
	// ErrAuthKeyID means the message's key ID is not the key's.
	ErrAuthKeyID = fmt.Errorf("%w: unknown key ID", ErrAuth)
	// ErrAuthLength means the authentication data length does not match
	// the key's algorithm.
	ErrAuthLength = fmt.Errorf("%w: bad authentication data length", ErrAuth)
	// ErrAuthMismatch means the password or the digest is wrong.
	ErrAuthMismatch = fmt.Errorf("%w: password or digest mismatch", ErrAuth)
)
