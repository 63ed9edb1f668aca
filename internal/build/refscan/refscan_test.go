package refscan

import (
	"bytes"
	"context"
	"math/rand"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

const store = "/nix/store/"

func storePath(h byte, name string) string {
	return store + strings.Repeat(string(h), HashLen) + "-" + name
}

// naive finds every candidate whose hash part occurs anywhere in b.
func naive(b []byte, candidates []string) []string {
	var out []string
	for _, c := range candidates {
		h := filepath.Base(c)[:HashLen]
		if bytes.Contains(b, []byte(h)) {
			out = append(out, c)
		}
	}
	return sorted(out)
}

func sorted(s []string) []string {
	s = append([]string(nil), s...)
	for i := range s {
		for j := i + 1; j < len(s); j++ {
			if s[j] < s[i] {
				s[i], s[j] = s[j], s[i]
			}
		}
	}
	return s
}

func TestScanTree(t *testing.T) {
	var (
		inContent = "/nix/store/0c8j3b5mr4aqk1wmr8w7p0s0c7kzvjcr-content"
		inLink    = "/nix/store/1d9k4c6ns5brl2xns9x8q1v1d8lzwkds-link"
		inName    = "/nix/store/2f0l5d7pv6csm3yp0y9r2w2f9mz0xlf0-name"
		inBig     = "/nix/store/3g1m6f8qw7dvn4zq1z0s3x3g0n01ymg1-big"
		absent    = "/nix/store/4h2n7g9rx8fwp5ar2a1v4y4h1p12zni2-absent"
		inSelf    = "/nix/store/5i3p8h0sy9gxq6bs3b2w5z5i2q23a0j3-self"
	)
	dir := t.TempDir()
	out := filepath.Join(dir, "out")
	must(t, os.MkdirAll(filepath.Join(out, "bin"), 0o755))
	must(t, os.WriteFile(filepath.Join(out, "bin", "prog"), []byte("#!"+inContent+"/bin/sh\nexec "+inSelf+"/x\n"), 0o755))
	must(t, os.Symlink(inLink+"/lib", filepath.Join(out, "lib")))
	must(t, os.WriteFile(filepath.Join(out, filepath.Base(inName)), nil, 0o644))
	// A hash straddling the 256 KiB read buffer and the 1 MiB mark.
	big := bytes.Repeat([]byte{0}, 1<<20+7)
	copy(big[1<<18-10:], filepath.Base(inBig)[:HashLen])
	must(t, os.WriteFile(filepath.Join(out, "big"), big, 0o644))
	// A near miss: 31 characters of absent's hash.
	must(t, os.WriteFile(filepath.Join(out, "near"), []byte(filepath.Base(absent)[:HashLen-1]+"-"), 0o644))

	got, err := Scan(context.Background(), out, []string{absent, inBig, inContent, inLink, inName, inSelf})
	must(t, err)
	want := []string{inContent, inLink, inName, inBig, inSelf}
	if !reflect.DeepEqual(got, sorted(want)) {
		t.Fatalf("Scan = %q, want %q", got, sorted(want))
	}
}

func TestScanSingleFile(t *testing.T) {
	ref := storePath('a', "dep")
	f := filepath.Join(t.TempDir(), "f")
	must(t, os.WriteFile(f, []byte("x"+filepath.Base(ref)), 0o644))
	got, err := Scan(context.Background(), f, []string{ref, storePath('b', "other")})
	must(t, err)
	if !reflect.DeepEqual(got, []string{ref}) {
		t.Fatalf("Scan = %q", got)
	}
}

func TestScanErrors(t *testing.T) {
	if _, err := NewScanner([]string{"/nix/store/short"}); err == nil {
		t.Error("a path without a hash part was accepted")
	}
	if _, err := NewScanner([]string{storePath('e', "x")}); err == nil {
		t.Error("a hash part with 'e' was accepted")
	}
	if _, err := NewScanner([]string{storePath('a', "x"), storePath('a', "y")}); err == nil {
		t.Error("two paths with one hash part were accepted")
	}
	if _, err := Scan(context.Background(), filepath.Join(t.TempDir(), "missing"), nil); err == nil {
		t.Error("a missing root was accepted")
	}
}

// TestChunked writes a random stream in pieces of random sizes and checks
// the result against a plain search of the whole stream.
func TestChunked(t *testing.T) {
	r := rand.New(rand.NewSource(1))
	var cands []string
	for i := 0; i < 20; i++ {
		h := make([]byte, HashLen)
		for j := range h {
			h[j] = alphabet[r.Intn(len(alphabet))]
		}
		cands = append(cands, store+string(h)+"-p")
	}
	for iter := 0; iter < 200; iter++ {
		var stream []byte
		for k := 0; k < 30; k++ {
			switch r.Intn(3) {
			case 0:
				stream = append(stream, filepath.Base(cands[r.Intn(len(cands))])[:HashLen]...)
			case 1:
				for n := r.Intn(40); n > 0; n-- {
					stream = append(stream, alphabet[r.Intn(len(alphabet))])
				}
			default:
				for n := r.Intn(40); n > 0; n-- {
					stream = append(stream, byte(r.Intn(256)))
				}
			}
		}
		s, err := NewScanner(cands)
		must(t, err)
		for rest := stream; len(rest) > 0; {
			n := min(len(rest), r.Intn(50))
			s.Write(rest[:n])
			rest = rest[n:]
		}
		if got, want := s.Found(), naive(stream, cands); !reflect.DeepEqual(got, want) {
			t.Fatalf("stream %q: found %q, want %q", stream, got, want)
		}
	}
}

func FuzzScanner(f *testing.F) {
	f.Add([]byte("xx00000000000000000000000000000000yy"), uint8(3))
	f.Add([]byte(strings.Repeat("a", 70)), uint8(31))
	f.Fuzz(func(t *testing.T, data []byte, step uint8) {
		cands := []string{storePath('0', "zero"), storePath('a', "a"), store + "0123456789abcdfghijklmnpqrsvwxyz-all"}
		s, err := NewScanner(cands)
		if err != nil {
			t.Fatal(err)
		}
		n := int(step)%64 + 1
		for rest := data; len(rest) > 0; {
			k := min(n, len(rest))
			s.Write(rest[:k])
			rest = rest[k:]
		}
		if got, want := s.Found(), naive(data, cands); !reflect.DeepEqual(got, want) {
			t.Fatalf("found %q, want %q", got, want)
		}
	})
}

func BenchmarkScanner(b *testing.B) {
	r := rand.New(rand.NewSource(2))
	data := make([]byte, 8<<20)
	r.Read(data)
	cands := []string{storePath('a', "a"), storePath('b', "b")}
	b.SetBytes(int64(len(data)))
	for i := 0; i < b.N; i++ {
		s, _ := NewScanner(cands)
		s.Write(data)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
