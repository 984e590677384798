package packet

// LSAck is the body of a Link State Acknowledgment packet (RFC 2328
// A.3.6): the headers of the LSAs acknowledged.
type LSAck struct {
	LSAHeaders []LSAHeader
}

// Decode decodes a Link State Acknowledgment body into a, reusing
// a.LSAHeaders.
func (a *LSAck) Decode(body []byte) error {
	n, err := listLen("link state acknowledgment", body, 0, LSAHeaderLen)
	if err != nil {
		return err
	}
	a.LSAHeaders = decodeHeaders(a.LSAHeaders[:0], body, n)
	return nil
}

// AppendBinary appends the Link State Acknowledgment body.
func (a LSAck) AppendBinary(b []byte) ([]byte, error) {
	return appendHeaders(b, a.LSAHeaders)
}
