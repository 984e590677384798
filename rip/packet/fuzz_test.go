package packet

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// FuzzParse decodes anything without panicking; whatever decodes encodes,
// and decodes again to the same message.
func FuzzParse(f *testing.F) {
	for _, m := range samples() {
		b, _ := m.AppendBinary(nil)
		f.Add(b)
	}
	for _, k := range keys() {
		f.Add(signed(f, response(2), k, 9))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := Parse(b)
		if err != nil {
			return
		}
		out, err := m.AppendBinary(nil)
		if err != nil {
			t.Fatalf("decoded message does not encode: %v\n%+v", err, m)
		}
		m2, err := Parse(out)
		if err != nil {
			t.Fatalf("re-encoded message does not decode: %v", err)
		}
		if d := cmp.Diff(m, m2, cmpOpts); d != "" {
			t.Fatalf("round trip (-first +second):\n%s", d)
		}
		for _, k := range keys() {
			_ = Verify(out, k)
		}
	})
}
