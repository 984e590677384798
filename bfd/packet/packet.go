package packet

import (
	"encoding/binary"
	"errors"
	"fmt"
	"time"
)

// Errors returned by the decoders, Check, Sign and Verify.
var (
	// ErrTruncated: fewer bytes than the Length field or the auth
	// section says, or than the fixed header (24 bytes).
	ErrTruncated = errors.New("bfd: truncated packet")
	// ErrVersion: a version other than 1 (§6.8.6).
	ErrVersion = errors.New("bfd: unsupported version")
	// ErrLength: a Length field below the minimum (24, or 26 with the A
	// bit), or an auth section whose Auth Len does not match its type.
	ErrLength = errors.New("bfd: bad length")
	// ErrInvalid: a field value §6.8.6 has the receiver discard (Check),
	// or one that cannot be encoded (AppendBinary).
	ErrInvalid = errors.New("bfd: invalid field")
	// ErrAuth: the password or digest does not match the key, or the
	// packet's auth section is not the key's type.
	ErrAuth = errors.New("bfd: authentication failed")
)

// Version is the protocol version of RFC 5880.
const Version = 1

// Sizes of the packet and its auth section (RFC 5880 §4.1–4.4).
const (
	HeaderLen      = 24
	MaxPasswordLen = 16
	MD5KeyLen      = 16
	SHA1KeyLen     = 20
	// authHeaderLen is Auth Type, Auth Len, Auth Key ID.
	authHeaderLen = 3
	md5AuthLen    = 24 // type, len, key id, reserved, sequence, 16-byte digest
	sha1AuthLen   = 28 // the same with a 20-byte hash
	// MaxLen is the longest Control packet: the header and a SHA1 auth
	// section.
	MaxLen = HeaderLen + sha1AuthLen
)

// State is the session state a packet reports (§4.1 Sta).
type State uint8

// States (§4.1).
const (
	StateAdminDown State = 0
	StateDown      State = 1
	StateInit      State = 2
	StateUp        State = 3
)

var stateNames = [...]string{"AdminDown", "Down", "Init", "Up"}

// String returns "AdminDown", "Down", "Init" or "Up".
func (s State) String() string {
	if int(s) < len(stateNames) {
		return stateNames[s]
	}
	return fmt.Sprintf("State(%d)", uint8(s))
}

// MarshalText returns the state's name, for JSON output.
func (s State) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// Diag is the diagnostic code: why the sender's session last left Up
// (§4.1).
type Diag uint8

// Diagnostic codes (§4.1).
const (
	DiagNone                  Diag = 0
	DiagControlDetectExpired  Diag = 1
	DiagEchoFailed            Diag = 2
	DiagNeighborDown          Diag = 3
	DiagForwardingPlaneReset  Diag = 4
	DiagPathDown              Diag = 5
	DiagConcatenatedPathDown  Diag = 6
	DiagAdminDown             Diag = 7
	DiagReverseConcatPathDown Diag = 8
	maxDiag                        = DiagReverseConcatPathDown
)

var diagNames = [...]string{
	"none", "control-detection-time-expired", "echo-function-failed",
	"neighbor-signaled-session-down", "forwarding-plane-reset", "path-down",
	"concatenated-path-down", "administratively-down", "reverse-concatenated-path-down",
}

// String returns the diagnostic's name in RFC 5880's words, dashed:
// "control-detection-time-expired"...
func (d Diag) String() string {
	if d <= maxDiag {
		return diagNames[d]
	}
	return fmt.Sprintf("diag-%d", uint8(d))
}

// MarshalText returns the diagnostic's name, for JSON output.
func (d Diag) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// AuthType is the Auth Type of the authentication section (§4.1).
type AuthType uint8

// Authentication types (§4.1). AuthNone (0, reserved on the wire) means
// no authentication section.
const (
	AuthNone                AuthType = 0
	AuthSimplePassword      AuthType = 1
	AuthKeyedMD5            AuthType = 2
	AuthMeticulousKeyedMD5  AuthType = 3
	AuthKeyedSHA1           AuthType = 4
	AuthMeticulousKeyedSHA1 AuthType = 5
)

var authNames = [...]string{"none", "simple", "keyed-md5", "meticulous-keyed-md5", "keyed-sha1", "meticulous-keyed-sha1"}

// String returns "none", "simple", "keyed-md5", "meticulous-keyed-md5",
// "keyed-sha1" or "meticulous-keyed-sha1", the names configuration files
// use.
func (a AuthType) String() string {
	if int(a) < len(authNames) {
		return authNames[a]
	}
	return fmt.Sprintf("auth-%d", uint8(a))
}

// MarshalText returns the type's name.
func (a AuthType) MarshalText() ([]byte, error) { return []byte(a.String()), nil }

// UnmarshalText parses a name String returns.
func (a *AuthType) UnmarshalText(b []byte) error {
	t, err := ParseAuthType(string(b))
	if err != nil {
		return err
	}
	*a = t
	return nil
}

// ParseAuthType parses a name String returns.
func ParseAuthType(s string) (AuthType, error) {
	for i, n := range authNames {
		if n == s {
			return AuthType(i), nil
		}
	}
	return 0, fmt.Errorf("%w: auth type %q is not one of simple, keyed-md5, meticulous-keyed-md5, keyed-sha1, meticulous-keyed-sha1", ErrInvalid, s)
}

// Keyed reports whether the type carries a sequence number and a digest
// (MD5 or SHA1, §4.3, §4.4).
func (a AuthType) Keyed() bool { return a >= AuthKeyedMD5 && a <= AuthMeticulousKeyedSHA1 }

// Meticulous reports whether the sequence number must grow with every
// packet (§6.7.3, §6.7.4).
func (a AuthType) Meticulous() bool {
	return a == AuthMeticulousKeyedMD5 || a == AuthMeticulousKeyedSHA1
}

// digestLen is the length of the digest field of a keyed type.
func (a AuthType) digestLen() int {
	switch a {
	case AuthKeyedMD5, AuthMeticulousKeyedMD5:
		return MD5KeyLen
	case AuthKeyedSHA1, AuthMeticulousKeyedSHA1:
		return SHA1KeyLen
	}
	return 0
}

// Auth is the authentication section (§4.2–4.4).
type Auth struct {
	// Type is the Auth Type; AuthNone means the packet has none (A bit
	// clear).
	Type AuthType
	// KeyID is the Auth Key ID.
	KeyID uint8
	// Sequence is the sequence number of the keyed types.
	Sequence uint32
	// Password is the simple password, 1 to 16 bytes.
	Password []byte
	// Digest is the 16-byte MD5 or 20-byte SHA1 field of the keyed
	// types as on the wire. AppendBinary writes it as given (zeros when
	// nil); Sign fills it in over the encoded packet.
	Digest []byte
}

// Control is a BFD Control packet (§4.1). Intervals are carried in
// microseconds; AppendBinary truncates finer durations.
type Control struct {
	// Version is the protocol version; zero encodes as 1.
	Version uint8
	Diag    Diag
	State   State
	// Poll and Final are the Poll Sequence bits (§6.5).
	Poll, Final bool
	// ControlPlaneIndependent is the C bit: BFD shares fate with the
	// control plane when clear (this implementation always sends clear).
	ControlPlaneIndependent bool
	// Demand is the D bit (demand mode, not implemented here; sent
	// clear).
	Demand bool
	// Multipoint is the M bit, reserved: always clear (§4.1).
	Multipoint bool
	// DetectMult is the Detect Mult field.
	DetectMult uint8
	// MyDiscriminator and YourDiscriminator are the discriminators.
	MyDiscriminator, YourDiscriminator uint32
	// DesiredMinTx, RequiredMinRx and RequiredMinEchoRx are the interval
	// fields.
	DesiredMinTx, RequiredMinRx, RequiredMinEchoRx time.Duration
	// Auth is the authentication section; Auth.Type AuthNone means none.
	Auth Auth
}

// Len returns the encoded length, the Length field.
func (c *Control) Len() int {
	switch c.Auth.Type {
	case AuthNone:
		return HeaderLen
	case AuthSimplePassword:
		return HeaderLen + authHeaderLen + len(c.Auth.Password)
	}
	return HeaderLen + authHeaderLen + 1 + 4 + c.Auth.Type.digestLen()
}

// Parse decodes a Control packet.
func Parse(b []byte) (Control, error) {
	var c Control
	err := c.Decode(b)
	return c, err
}

// Decode decodes b into c, reusing c's password and digest buffers. Bytes
// after the Length field (padding) are ignored. On error c is left in an
// unspecified state.
func (c *Control) Decode(b []byte) error {
	if len(b) < HeaderLen {
		return fmt.Errorf("%w: %d bytes, the header is %d", ErrTruncated, len(b), HeaderLen)
	}
	if v := b[0] >> 5; v != Version {
		return fmt.Errorf("%w: %d", ErrVersion, v)
	}
	length := int(b[3])
	auth := b[1]&0x04 != 0
	minLen := HeaderLen
	if auth {
		minLen = HeaderLen + 2
	}
	// §6.8.6: Length below the minimum, or beyond the payload: discard.
	if length < minLen {
		return fmt.Errorf("%w: Length %d, the minimum is %d", ErrLength, length, minLen)
	}
	if length > len(b) {
		return fmt.Errorf("%w: Length %d, the payload is %d bytes", ErrTruncated, length, len(b))
	}
	b = b[:length]
	c.Version = b[0] >> 5
	c.Diag = Diag(b[0] & 0x1f)
	c.State = State(b[1] >> 6)
	c.Poll = b[1]&0x20 != 0
	c.Final = b[1]&0x10 != 0
	c.ControlPlaneIndependent = b[1]&0x08 != 0
	c.Demand = b[1]&0x02 != 0
	c.Multipoint = b[1]&0x01 != 0
	c.DetectMult = b[2]
	c.MyDiscriminator = binary.BigEndian.Uint32(b[4:])
	c.YourDiscriminator = binary.BigEndian.Uint32(b[8:])
	c.DesiredMinTx = usec(b[12:])
	c.RequiredMinRx = usec(b[16:])
	c.RequiredMinEchoRx = usec(b[20:])
	c.Auth.Type, c.Auth.KeyID, c.Auth.Sequence = AuthNone, 0, 0
	c.Auth.Password, c.Auth.Digest = c.Auth.Password[:0], c.Auth.Digest[:0]
	if !auth {
		if length != HeaderLen {
			return fmt.Errorf("%w: Length %d without an auth section", ErrLength, length)
		}
		return nil
	}
	return c.decodeAuth(b[HeaderLen:])
}

func (c *Control) decodeAuth(a []byte) error {
	typ, alen := AuthType(a[0]), int(a[1])
	if alen != len(a) {
		return fmt.Errorf("%w: Auth Len %d, %d bytes follow the header", ErrLength, alen, len(a))
	}
	c.Auth.Type = typ
	switch {
	case typ == AuthSimplePassword:
		// §4.2: Auth Len is the password's length plus 3, 1 to 16 bytes.
		if alen < authHeaderLen+1 || alen > authHeaderLen+MaxPasswordLen {
			return fmt.Errorf("%w: simple password Auth Len %d, must be 4 to 19", ErrLength, alen)
		}
		c.Auth.KeyID = a[2]
		c.Auth.Password = append(c.Auth.Password, a[authHeaderLen:]...)
	case typ.Keyed():
		want := md5AuthLen
		if typ.digestLen() == SHA1KeyLen {
			want = sha1AuthLen
		}
		// §4.3, §4.4: Auth Len is 24 (MD5) or 28 (SHA1).
		if alen != want {
			return fmt.Errorf("%w: %v Auth Len %d, must be %d", ErrLength, typ, alen, want)
		}
		c.Auth.KeyID = a[2]
		c.Auth.Sequence = binary.BigEndian.Uint32(a[4:])
		c.Auth.Digest = append(c.Auth.Digest, a[8:]...)
	default:
		return fmt.Errorf("%w: auth type %d", ErrInvalid, uint8(typ))
	}
	return nil
}

func usec(b []byte) time.Duration {
	return time.Duration(binary.BigEndian.Uint32(b)) * time.Microsecond
}

func putUsec(b []byte, d time.Duration, field string) ([]byte, error) {
	if d < 0 || d/time.Microsecond > 0xffffffff {
		return b, fmt.Errorf("%w: %s %v does not fit 32 bits of microseconds", ErrInvalid, field, d)
	}
	return binary.BigEndian.AppendUint32(b, uint32(d/time.Microsecond)), nil
}

// AppendBinary appends the encoding of c to b. The auth section is
// written as given; for the keyed types call Sign on the result.
func (c *Control) AppendBinary(b []byte) ([]byte, error) {
	v := c.Version
	if v == 0 {
		v = Version
	}
	switch {
	case v > 7:
		return b, fmt.Errorf("%w: version %d", ErrInvalid, v)
	case c.Diag > 31:
		return b, fmt.Errorf("%w: diag %d does not fit 5 bits", ErrInvalid, c.Diag)
	case c.State > StateUp:
		return b, fmt.Errorf("%w: state %d", ErrInvalid, c.State)
	}
	a := c.Auth
	switch {
	case a.Type == AuthNone:
	case a.Type == AuthSimplePassword:
		if len(a.Password) < 1 || len(a.Password) > MaxPasswordLen {
			return b, fmt.Errorf("%w: password of %d bytes, must be 1 to %d", ErrInvalid, len(a.Password), MaxPasswordLen)
		}
	case a.Type.Keyed():
		if len(a.Digest) != 0 && len(a.Digest) != a.Type.digestLen() {
			return b, fmt.Errorf("%w: %v digest of %d bytes, must be %d", ErrInvalid, a.Type, len(a.Digest), a.Type.digestLen())
		}
	default:
		return b, fmt.Errorf("%w: auth type %d", ErrInvalid, uint8(a.Type))
	}
	flags := byte(c.State) << 6
	for _, f := range []struct {
		set bool
		bit byte
	}{{c.Poll, 0x20}, {c.Final, 0x10}, {c.ControlPlaneIndependent, 0x08}, {a.Type != AuthNone, 0x04}, {c.Demand, 0x02}, {c.Multipoint, 0x01}} {
		if f.set {
			flags |= f.bit
		}
	}
	b = append(b, v<<5|byte(c.Diag), flags, c.DetectMult, byte(c.Len()))
	b = binary.BigEndian.AppendUint32(b, c.MyDiscriminator)
	b = binary.BigEndian.AppendUint32(b, c.YourDiscriminator)
	var err error
	for _, f := range []struct {
		d    time.Duration
		name string
	}{{c.DesiredMinTx, "Desired Min TX Interval"}, {c.RequiredMinRx, "Required Min RX Interval"}, {c.RequiredMinEchoRx, "Required Min Echo RX Interval"}} {
		if b, err = putUsec(b, f.d, f.name); err != nil {
			return b, err
		}
	}
	switch {
	case a.Type == AuthSimplePassword:
		b = append(b, byte(a.Type), byte(authHeaderLen+len(a.Password)), a.KeyID)
		b = append(b, a.Password...)
	case a.Type.Keyed():
		n := a.Type.digestLen()
		b = append(b, byte(a.Type), byte(authHeaderLen+1+4+n), a.KeyID, 0)
		b = binary.BigEndian.AppendUint32(b, a.Sequence)
		if len(a.Digest) == n {
			b = append(b, a.Digest...)
		} else {
			b = append(b, make([]byte, n)...)
		}
	}
	return b, nil
}

// Check applies the rules of RFC 5880 §6.8.6 that depend on the fields
// of a packet that decoded: Detect Mult zero, the Multipoint bit set, My
// Discriminator zero, and Your Discriminator zero in a state other than
// Down or AdminDown each have the packet discarded.
func (c *Control) Check() error {
	switch {
	case c.DetectMult == 0:
		return fmt.Errorf("%w: Detect Mult is zero", ErrInvalid)
	case c.Multipoint:
		return fmt.Errorf("%w: Multipoint bit set", ErrInvalid)
	case c.MyDiscriminator == 0:
		return fmt.Errorf("%w: My Discriminator is zero", ErrInvalid)
	case c.YourDiscriminator == 0 && c.State != StateDown && c.State != StateAdminDown:
		return fmt.Errorf("%w: Your Discriminator is zero in state %v", ErrInvalid, c.State)
	}
	return nil
}
