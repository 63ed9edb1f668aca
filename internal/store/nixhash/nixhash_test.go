package nixhash

import (
	"os/exec"
	"strings"
	"testing"
)

func TestParseEncodings(t *testing.T) {
	want := Sum(SHA256, []byte("hello\n"))
	for _, s := range []string{
		want.Hex(),
		want.Base32(),
		want.Base64(),
		want.SRI(),
		"sha256:" + want.Hex(),
		"sha256:" + want.Base32(),
		"sha256:" + want.Base64(),
	} {
		got, err := Parse(s, SHA256)
		if err != nil {
			t.Errorf("Parse(%q): %v", s, err)
			continue
		}
		if !got.Equal(want) {
			t.Errorf("Parse(%q) = %x, want %x", s, got.Digest, want.Digest)
		}
	}
}

func TestParseErrors(t *testing.T) {
	h := Sum(SHA256, nil)
	for _, c := range []struct {
		s    string
		algo Algo
		err  string
	}{
		{h.Hex(), 0, "does not include a type"},
		{h.SRI(), SHA1, "should have type 'sha1'"},
		{"sha256:abc", 0, "wrong length"},
		{strings.Repeat("z", 64), SHA256, "invalid base-16"},
		{strings.Repeat("e", 52), SHA256, "invalid base-32"},
		{"sha256-AAAA", 0, "invalid SRI hash"},
		{"md6:00", 0, "unknown hash algorithm"},
	} {
		_, err := Parse(c.s, c.algo)
		if err == nil || !strings.Contains(err.Error(), c.err) {
			t.Errorf("Parse(%q, %v) = %v, want error containing %q", c.s, c.algo, err, c.err)
		}
	}
}

// TestBase32Oracle compares the base-32 encoding with nix-hash --to-base32.
func TestBase32Oracle(t *testing.T) {
	if _, err := exec.LookPath("nix-hash"); err != nil {
		t.Skip("nix-hash not installed")
	}
	for _, algo := range []Algo{MD5, SHA1, SHA256, SHA512} {
		for _, in := range []string{"", "a", "hello world"} {
			h := Sum(algo, []byte(in))
			out, err := exec.Command("nix-hash", "--type", algo.String(), "--to-base32", h.Hex()).Output()
			if err != nil {
				t.Fatal(err)
			}
			if got, want := h.Base32(), strings.TrimSpace(string(out)); got != want {
				t.Errorf("%v(%q): base32 %s, nix-hash %s", algo, in, got, want)
			}
			back, err := DecodeBase32(h.Base32(), algo.Size())
			if err != nil || string(back) != string(h.Digest) {
				t.Errorf("%v(%q): decode(%s) = %x, %v", algo, in, h.Base32(), back, err)
			}
		}
	}
}

func TestCompress(t *testing.T) {
	got := Compress([]byte{1, 2, 3, 4, 5}, 2)
	if got[0] != 1^3^5 || got[1] != 2^4 {
		t.Errorf("Compress = %v", got)
	}
}

func FuzzParse(f *testing.F) {
	h := Sum(SHA256, []byte("x"))
	f.Add(h.Hex(), 3)
	f.Add(h.Base32(), 3)
	f.Add(h.SRI(), 0)
	f.Add("sha1:"+Sum(SHA1, nil).Base32(), 0)
	f.Fuzz(func(t *testing.T, s string, a int) {
		algo := Algo(a & 7)
		if algo.Size() == 0 {
			algo = 0
		}
		got, err := Parse(s, algo)
		if err != nil {
			return
		}
		if len(got.Digest) != got.Algo.Size() {
			t.Fatalf("Parse(%q) digest of %d bytes for %v", s, len(got.Digest), got.Algo)
		}
		for _, enc := range []string{got.Hex(), got.Base32(), got.Base64()} {
			again, err := Parse(enc, got.Algo)
			if err != nil || !again.Equal(got) {
				t.Fatalf("re-parse %q: %v, %v", enc, again, err)
			}
		}
	})
}

func FuzzBase32(f *testing.F) {
	f.Add("0z", 1)
	f.Add(Sum(SHA256, nil).Base32(), 32)
	f.Fuzz(func(t *testing.T, s string, size int) {
		if size < 0 || size > 64 {
			return
		}
		b, err := DecodeBase32(s, size)
		if err != nil {
			return
		}
		if EncodeBase32(b) != s {
			t.Fatalf("round trip %q -> %x -> %q", s, b, EncodeBase32(b))
		}
	})
}
