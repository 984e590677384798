package packet

import (
	"fmt"
	"time"
)

// The codec tests sign and verify packets the way ospf.AuthConfig does,
// through this test-only twin of it: the key named by the packet's Key
// ID verifies, the first key signs. Key lifetimes and their selection are
// configuration, tested in package ospf with the real AuthConfig.

type Key = CryptoKey

type ReplayMode uint8

const (
	ReplayTolerant ReplayMode = iota
	ReplayStrict
)

type ReplayState struct {
	Seq  uint32
	Seen bool
}

type AuthConfig struct {
	Type     AuthType
	Password string
	Keys     []Key
	Replay   ReplayMode
}

func (a AuthConfig) Sign(pkt []byte, seq uint32, _ time.Time) ([]byte, error) {
	var k Key
	if len(a.Keys) > 0 {
		k = a.Keys[0]
	}
	return Sign(pkt, a.Type, a.Password, k, seq)
}

func (a AuthConfig) Verify(pkt []byte, rs *ReplayState, _ time.Time) ([]byte, error) {
	var h Header
	if err := h.Decode(pkt); err != nil {
		return nil, err
	}
	if h.AuType != a.Type {
		return nil, fmt.Errorf("%w: packet has %v, interface expects %v", ErrAuthType, h.AuType, a.Type)
	}
	switch a.Type {
	case AuthNull:
		if err := VerifyPacketChecksum(pkt[:h.Length]); err != nil {
			return nil, err
		}
		return pkt[:h.Length], nil
	case AuthSimple:
		if err := VerifyPassword(pkt, h, a.Password); err != nil {
			return nil, err
		}
		return pkt[:h.Length], nil
	}
	c := h.Crypto()
	for _, k := range a.Keys {
		if k.ID != c.KeyID {
			continue
		}
		if err := CheckDigestLength(pkt, h, k); err != nil {
			return nil, err
		}
		if rs != nil && rs.Seen && (c.Seq < rs.Seq || (a.Replay == ReplayStrict && c.Seq == rs.Seq)) {
			return nil, fmt.Errorf("%w: replayed sequence %d after %d", ErrAuth, c.Seq, rs.Seq)
		}
		if err := VerifyDigest(pkt, h, k); err != nil {
			return nil, err
		}
		if rs != nil {
			rs.Seq, rs.Seen = c.Seq, true
		}
		return pkt[:h.Length], nil
	}
	return nil, fmt.Errorf("%w: key ID %d", ErrAuth, c.KeyID)
}
