package nar

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"io"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"cairn.dev/cairn/internal/store/nixhash"
)

// makeTree builds a tree with every kind of node and awkward names.
func makeTree(t testing.TB) string {
	t.Helper()
	root := filepath.Join(t.TempDir(), "tree")
	big := make([]byte, 3<<20+5)
	rand.New(rand.NewSource(1)).Read(big)
	files := []struct {
		name string
		data []byte
		mode os.FileMode
	}{
		{"empty", nil, 0o644},
		{"exec.sh", []byte("#!/bin/sh\necho hi\n"), 0o755},
		{"group-exec", []byte("x"), 0o654},
		{"owner-exec-only", []byte("seven b"), 0o700},
		{"big.bin", big, 0o644},
		{"B-upper", []byte("12345678"), 0o644},
		{"a0", []byte("a"), 0o644},
		{"a-b", []byte("ab"), 0o644},
		{"a.b", []byte("a.b"), 0o444},
		{"sp ace", []byte("space"), 0o644},
		{"ünï cödé", []byte("unicode"), 0o644},
		{"new\nline", []byte("nl"), 0o644},
		{"-dash", []byte("-"), 0o644},
		{"a/nested/deep/file", []byte("deep"), 0o644},
		{"a/nested/x", []byte("x"), 0o755},
		{"a-dir/f", []byte("f"), 0o644},
		{strings.Repeat("n", 255), []byte("long name"), 0o644},
	}
	for _, f := range files {
		p := filepath.Join(root, f.name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, f.data, f.mode); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(p, f.mode); err != nil {
			t.Fatal(err)
		}
	}
	for _, d := range []string{"emptydir", "a/emptydir", "dir.with.dots/empty"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for name, target := range map[string]string{
		"link":            "a0",
		"dangling":        "/does/not/exist",
		"a/nested/up":     "../../exec.sh",
		"dir.with.dots/l": strings.Repeat("x/", 300) + "y",
	} {
		if err := os.Symlink(target, filepath.Join(root, name)); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

func dump(t testing.TB, root string) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := Dump(context.Background(), &b, root, nil); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func needNix(t *testing.T, tool string) {
	t.Helper()
	if _, err := exec.LookPath(tool); err != nil {
		t.Skip(tool + " not installed")
	}
}

// TestDumpOracle compares Dump with nix-store --dump byte for byte, for the
// whole tree and for single files, symlinks and empty directories.
func TestDumpOracle(t *testing.T) {
	needNix(t, "nix-store")
	root := makeTree(t)
	for _, p := range []string{"", "empty", "exec.sh", "big.bin", "link", "emptydir", "a", "ünï cödé"} {
		abs := filepath.Join(root, p)
		want, err := exec.Command("nix-store", "--dump", abs).Output()
		if err != nil {
			t.Fatalf("nix-store --dump %s: %v", abs, err)
		}
		got := dump(t, abs)
		if !bytes.Equal(got, want) {
			t.Errorf("%q: NAR differs from nix-store --dump (%d vs %d bytes)", p, len(got), len(want))
		}
	}
}

// TestHashPathOracle compares HashPath with nix-hash --type sha256 --base32.
func TestHashPathOracle(t *testing.T) {
	needNix(t, "nix-hash")
	root := makeTree(t)
	for _, p := range []string{"", "big.bin", "link", "emptydir"} {
		abs := filepath.Join(root, p)
		out, err := exec.Command("nix-hash", "--type", "sha256", "--base32", abs).Output()
		if err != nil {
			t.Fatal(err)
		}
		h, size, err := HashPath(context.Background(), abs, nil)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := h.Base32(), strings.TrimSpace(string(out)); got != want {
			t.Errorf("%q: HashPath %s, nix-hash %s", p, got, want)
		}
		if n := int64(len(dump(t, abs))); size != n {
			t.Errorf("%q: HashPath size %d, NAR has %d bytes", p, size, n)
		}
	}
}

// TestRestoreOracle restores cairn's NAR, dumps it again with
// nix-store --dump, and restores Nix's NAR with cairn.
func TestRestoreOracle(t *testing.T) {
	root := makeTree(t)
	nar := dump(t, root)
	dst := filepath.Join(t.TempDir(), "restored")
	if err := Restore(bytes.NewReader(nar), dst); err != nil {
		t.Fatal(err)
	}
	if again := dump(t, dst); !bytes.Equal(again, nar) {
		t.Fatal("dump(restore(nar)) differs from nar")
	}
	if _, err := exec.LookPath("nix-store"); err == nil {
		want, err := exec.Command("nix-store", "--dump", dst).Output()
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(want, nar) {
			t.Error("nix-store --dump of the restored tree differs")
		}
	}
}

func TestFilter(t *testing.T) {
	root := makeTree(t)
	var seen []string
	filter := func(p, typ string) (bool, error) {
		seen = append(seen, typ)
		return !strings.HasSuffix(p, "/a") && typ != "symlink", nil
	}
	var b bytes.Buffer
	if err := Dump(context.Background(), &b, root, filter); err != nil {
		t.Fatal(err)
	}
	nr := NewReader(&b)
	for {
		e, err := nr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if e.Type == Symlink || e.Path == "/a" || strings.HasPrefix(e.Path, "/a/") {
			t.Errorf("filtered entry %s kept", e.Path)
		}
	}
	if len(seen) == 0 {
		t.Error("filter never called")
	}
	failing := func(string, string) (bool, error) { return false, errors.New("boom") }
	if err := Dump(context.Background(), io.Discard, root, failing); err == nil || err.Error() != "boom" {
		t.Errorf("filter error not returned: %v", err)
	}
}

func TestUnsupportedType(t *testing.T) {
	dir := t.TempDir()
	if err := exec.Command("mkfifo", filepath.Join(dir, "fifo")).Run(); err != nil {
		t.Skip("mkfifo:", err)
	}
	err := Dump(context.Background(), io.Discard, dir, nil)
	if err == nil || !strings.Contains(err.Error(), "unsupported type") {
		t.Errorf("Dump of a fifo: %v", err)
	}
}

// narBytes builds a NAR from raw tokens; an int is written as a bare
// uint64.
func narBytes(toks ...any) []byte {
	var b bytes.Buffer
	for _, tok := range toks {
		switch v := tok.(type) {
		case string:
			binary.Write(&b, binary.LittleEndian, uint64(len(v)))
			b.WriteString(v)
			b.Write(make([]byte, padLen(uint64(len(v)))))
		case int:
			binary.Write(&b, binary.LittleEndian, uint64(v))
		case []byte:
			b.Write(v)
		}
	}
	return b.Bytes()
}

func dirNAR(names ...string) []byte {
	toks := []any{magic, "(", "type", "directory"}
	for _, n := range names {
		toks = append(toks, "entry", "(", "name", n, "node", "(", "type", "regular", "contents", "", ")", ")")
	}
	return narBytes(append(toks, ")")...)
}

// TestReaderRejects checks that malformed archives, including those Nix
// refuses to restore, are errors.
func TestReaderRejects(t *testing.T) {
	cases := map[string][]byte{
		"dotdot":      dirNAR(".."),
		"dot":         dirNAR("."),
		"empty name":  dirNAR(""),
		"slash":       dirNAR("a/b"),
		"nul":         dirNAR("a\x00"),
		"duplicate":   dirNAR("a", "a"),
		"unsorted":    dirNAR("b", "a"),
		"bad magic":   narBytes("nix-archive-2", "(", "type", "directory", ")"),
		"bad type":    narBytes(magic, "(", "type", "fifo", ")"),
		"truncated":   narBytes(magic, "(", "type", "regular", "contents", 10, []byte("abc")),
		"bad padding": narBytes(magic, "(", "type", "regular", "contents", 1, []byte("a\x00\x00\x00\x00\x00\x00\x01"), ")"),
		"exec value":  narBytes(magic, "(", "type", "regular", "executable", "x", "contents", "", ")"),
		"no close":    narBytes(magic, "(", "type", "directory"),
		"empty link":  narBytes(magic, "(", "type", "symlink", "target", "", ")"),
		"huge token":  narBytes(magic, 1<<40),
	}
	for name, b := range cases {
		_, err := Copy(io.Discard, bytes.NewReader(b))
		if err == nil {
			t.Errorf("%s: accepted", name)
		} else if !errors.Is(err, ErrCorrupt) {
			t.Errorf("%s: error %v does not wrap ErrCorrupt", name, err)
		}
		if err := Restore(bytes.NewReader(b), filepath.Join(t.TempDir(), "x")); err == nil {
			t.Errorf("%s: restored", name)
		}
	}
	if _, err := Copy(io.Discard, bytes.NewReader(dirNAR("a", "b", "c"))); err != nil {
		t.Errorf("valid NAR rejected: %v", err)
	}
}

// TestNixRejects checks that nix-store --restore refuses the NARs whose
// names the Reader refuses (Nix 2.8 itself does not check the order).
func TestNixRejects(t *testing.T) {
	needNix(t, "nix-store")
	for _, n := range []string{"..", ".", "", "a/b"} {
		cmd := exec.Command("nix-store", "--restore", filepath.Join(t.TempDir(), "x"))
		cmd.Stdin = bytes.NewReader(dirNAR(n))
		if err := cmd.Run(); err == nil {
			t.Errorf("nix-store --restore accepted entry name %q", n)
		}
	}
}

func TestWriterOrder(t *testing.T) {
	nw := NewWriter(io.Discard)
	if err := nw.WriteEntry(Entry{Path: "/a", Type: Directory}); err == nil {
		t.Error("first entry not the root accepted")
	}
	nw = NewWriter(io.Discard)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(nw.WriteEntry(Entry{Path: "/", Type: Directory}))
	must(nw.WriteEntry(Entry{Path: "/b", Type: Directory}))
	must(nw.WriteEntry(Entry{Path: "/b/x", Type: Symlink, Target: "y"}))
	if err := nw.WriteEntry(Entry{Path: "/a", Type: Directory}); err == nil {
		t.Error("unsorted entry accepted")
	}
	nw = NewWriter(io.Discard)
	must(nw.WriteEntry(Entry{Path: "/", Type: Regular, Size: 3}))
	if _, err := nw.Write([]byte("abcd")); err == nil {
		t.Error("contents longer than Size accepted")
	}
	if err := nw.Close(); err == nil {
		t.Error("missing contents accepted")
	}
}

func TestHashSmall(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "f")
	if err := os.WriteFile(p, []byte("hello"), 0o644); err != nil {
		t.Fatal(err)
	}
	h, n, err := HashPath(context.Background(), p, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := nixhash.Sum(nixhash.SHA256, dump(t, p))
	if !h.Equal(want) || n != int64(len(dump(t, p))) {
		t.Errorf("HashPath = %s %d, want %s", h, n, want)
	}
}

// FuzzReader feeds arbitrary bytes to the Reader: never a panic, and
// whatever it accepts, the Writer reproduces byte for byte.
func FuzzReader(f *testing.F) {
	f.Add(dirNAR("a", "b"))
	f.Add(narBytes(magic, "(", "type", "regular", "executable", "", "contents", "abc", ")"))
	f.Add(narBytes(magic, "(", "type", "symlink", "target", "/x", ")"))
	f.Add(narBytes(magic, "(", "type", "directory", "entry", "(", "name", "d", "node", "(", "type", "directory", ")", ")", ")"))
	f.Fuzz(func(t *testing.T, data []byte) {
		var out bytes.Buffer
		n, err := Copy(&out, bytes.NewReader(data))
		if err != nil {
			return
		}
		if !bytes.Equal(out.Bytes(), data[:n]) {
			t.Fatalf("accepted NAR not reproduced: in %x, out %x", data[:n], out.Bytes())
		}
	})
}

// TestHashShrunkFile hands the hasher a file shorter than its entry says,
// as when a file shrinks between lstat and read: an error, not a hang.
func TestHashShrunkFile(t *testing.T) {
	p := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(p, []byte("abc"), 0o644); err != nil {
		t.Fatal(err)
	}
	fd, err := openRead(p)
	if err != nil {
		t.Fatal(err)
	}
	ph := newPipeHasher(sha256.New())
	ph.takeFile(fd, 10, p)
	if _, _, err := ph.finish(); err == nil || !strings.Contains(err.Error(), "shrank") {
		t.Errorf("short file: %v", err)
	}
}
