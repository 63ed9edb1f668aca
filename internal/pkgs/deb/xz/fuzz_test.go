package xz

import (
	"bytes"
	"io"
	"testing"

	uxz "github.com/ulikunitz/xz"
)

// FuzzReader decompresses arbitrary bytes: never a panic, and what both
// this decoder and github.com/ulikunitz/xz accept decompresses to the
// same bytes.
func FuzzReader(f *testing.F) {
	for _, data := range [][]byte{nil, []byte("a"), []byte("hello, hello, hello, world\n"), bytes.Repeat([]byte("abc"), 5000)} {
		var buf bytes.Buffer
		w, err := uxz.NewWriter(&buf)
		if err != nil {
			f.Fatal(err)
		}
		w.Write(data)
		w.Close()
		f.Add(buf.Bytes())
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		const limit = 4 << 20
		var got []byte
		z, err := NewReader(bytes.NewReader(data))
		if err == nil {
			got, err = io.ReadAll(io.LimitReader(z, limit))
		}
		if err != nil {
			return
		}
		u, err := uxz.NewReader(bytes.NewReader(data))
		if err != nil {
			return
		}
		want, err := io.ReadAll(io.LimitReader(u, limit))
		if err != nil {
			return
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("decompressed %d bytes, github.com/ulikunitz/xz %d different ones", len(got), len(want))
		}
	})
}
