package deb

import (
	"bytes"
	"context"
	"io"
	"testing"
)

// FuzzWalk reads arbitrary bytes as a .deb: never a panic, and a file
// Inspect accepts is walked to the end with every entry checked.
func FuzzWalk(f *testing.F) {
	for _, ext := range []string{"", ".gz", ".xz", ".zst"} {
		f.Add(makeDeb(f, ext, goodEntries()))
	}
	f.Add([]byte(arMagic))
	f.Add([]byte(arMagic + "debian-binary   0           0     0     100644  4         `\n2.0\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		ctx := context.Background()
		info, err := Inspect(ctx, bytes.NewReader(data))
		if err != nil {
			return
		}
		if info.Format == "" || info.DataMember == "" || info.ControlMember == "" {
			t.Fatalf("accepted a .deb without its members: %+v", info)
		}
		n := 0
		err = Walk(ctx, bytes.NewReader(data), func(part Part, e *Entry, body io.Reader) error {
			if part == Data && body != nil {
				n++
			}
			return nil
		})
		if err != nil || n != info.Files {
			t.Fatalf("a second walk: %v, %d files, Inspect counted %d", err, n, info.Files)
		}
	})
}
