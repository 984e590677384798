package packet

// OpaqueLSA is the body of an opaque LSA, LS types 9, 10 and 11 (RFC 5250
// 3). Its Opaque Type and Opaque ID are the Link State ID (see
// LSAHeader.OpaqueType and OpaqueID); the information is kept as bytes.
type OpaqueLSA struct {
	Data []byte
}

// Decode copies an opaque-LSA body into o.Data, reusing its capacity.
func (o *OpaqueLSA) Decode(body []byte) error {
	o.Data = append(o.Data[:0], body...)
	return nil
}

// AppendBinary appends the opaque information.
func (o OpaqueLSA) AppendBinary(b []byte) ([]byte, error) {
	return append(b, o.Data...), nil
}
