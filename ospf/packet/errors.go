package packet

import (
	"errors"
	"fmt"
	"io"
)

// Sentinel errors. Decoders and the authentication codec wrap them with %w
// and context (which packet, which field, which offset), so callers test
// with errors.Is and count drops by reason.
var (
	// ErrShort means the input ended before a field the format requires.
	// It wraps io.ErrUnexpectedEOF.
	ErrShort = fmt.Errorf("ospf: truncated: %w", io.ErrUnexpectedEOF)
	// ErrLength means a length or count field disagrees with the data:
	// a packet length below the header size, a list that does not fill
	// its space in whole entries, an LSA longer than its packet.
	ErrLength = errors.New("ospf: bad length")
	// ErrVersion means the version field is not 2 (RFC 2328 A.3.1).
	ErrVersion = errors.New("ospf: not OSPF version 2")
	// ErrType means an unknown packet type (RFC 2328 A.3.1).
	ErrType = errors.New("ospf: unknown packet type")
	// ErrMalformed means a field holds a value the format forbids, such as
	// non-zero upper bits of an LS type in a Link State Request.
	ErrMalformed = errors.New("ospf: malformed field")
	// ErrChecksum means a packet checksum (RFC 2328 D.4.1) or an LSA
	// Fletcher checksum (RFC 2328 12.1.7) does not verify.
	ErrChecksum = errors.New("ospf: bad checksum")
	// ErrEncode means a value cannot be encoded: an address that is not
	// IPv4, a metric wider than its field, a packet over 65535 bytes.
	ErrEncode = errors.New("ospf: cannot encode")

	// ErrAuth is the umbrella of every authentication failure below
	// (RFC 2328 D.5): errors.Is(err, ErrAuth) is true for each of them.
	ErrAuth = errors.New("ospf: authentication failed")
	// ErrAuthType means the packet's AuType differs from the interface's.
	ErrAuthType = fmt.Errorf("%w: AuType mismatch", ErrAuth)
	// ErrAuthLength means the Auth Data Len field does not match the key's
	// algorithm, or the digest after the packet is missing or truncated.
	ErrAuthLength = fmt.Errorf("%w: bad authentication data length", ErrAuth)
	// ErrAuthMismatch means the password or the message digest is wrong.
	ErrAuthMismatch = fmt.Errorf("%w: password or digest mismatch", ErrAuth)
)
