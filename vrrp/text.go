package vrrp

// MarshalText makes the enums print by name in JSON and YAML status output
// (and as JSON map keys, for Counters.Drops).

// MarshalText implements encoding.TextMarshaler.
func (s State) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// MarshalText implements encoding.TextMarshaler.
func (r Reason) MarshalText() ([]byte, error) { return []byte(r.String()), nil }

// MarshalText implements encoding.TextMarshaler.
func (d DropReason) MarshalText() ([]byte, error) { return []byte(d.String()), nil }
