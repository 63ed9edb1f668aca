package debexpr

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"cairn.dev/cairn/internal/nix/eval"
	"cairn.dev/cairn/internal/nix/token"
	"cairn.dev/cairn/internal/pkgs/channel"
	"cairn.dev/cairn/internal/pkgs/debian"
	"cairn.dev/cairn/internal/store/dry"
)

const index = `Package: hello
Version: 2.10-3
Architecture: amd64
Depends: libc6 (>= 2.34)
Filename: pool/main/h/hello/hello_2.10-3_amd64.deb
SHA256: 5f6c8bbd6b4d6e5b3b0fbd0e6f8e6a4c1c9a3f1f5c6b9c8f0c5a4a7d5e1e5c6a
Size: 52928

Package: libc6
Version: 2.36-9+deb12u4
Architecture: amd64
Depends: libgcc-s1
Filename: pool/main/g/glibc/libc6_2.36-9+deb12u4_amd64.deb
SHA256: 1111111111111111111111111111111111111111111111111111111111111111
Size: 2

Package: libgcc-s1
Version: 1:12.2.0-14~x
Architecture: amd64
Filename: pool/main/g/gcc-12/libgcc-s1_12.2.0-14_amd64.deb
SHA256: 2222222222222222222222222222222222222222222222222222222222222222
Size: 3
`

func setup(t *testing.T) (*channel.Channel, *debian.Index) {
	idx, err := debian.ParsePackages("Packages", index)
	if err != nil {
		t.Fatal(err)
	}
	c := &channel.Channel{Name: "debian", Suite: "bookworm", Mirror: "http://mirror.example/debian/", Architecture: "amd64", InRelease: "abc"}
	return c, idx
}

// TestGenerate compares the expression for hello with
// testdata/hello.nix (CAIRN_UPDATE=1 rewrites it), then evaluates it with
// cairn's evaluator: the .deb of every member of the closure has the
// store path debian.Package.StorePath gives, and, where nix-instantiate
// is installed, the derivation paths are those Nix computes.
func TestGenerate(t *testing.T) {
	c, idx := setup(t)
	var buf bytes.Buffer
	if err := Generate(&buf, c, idx, []string{"hello", "hello"}); err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "hello.nix")
	if os.Getenv("CAIRN_UPDATE") == "1" {
		if err := os.WriteFile(golden, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if buf.String() != string(want) {
		t.Errorf("generated:\n%s\nwant (%s):\n%s", buf.String(), golden, want)
	}
	file := filepath.Join(t.TempDir(), "debian.nix")
	if err := os.WriteFile(file, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	expr := `let p = (import ` + file + ` {}).hello; in [ p.drvPath p.name p.version ] ++ map (u: u.deb.outPath) p.closure`
	fset := token.NewFileSet()
	ev := eval.New(context.Background(), eval.Options{FileSet: fset, Store: dry.New("/nix/store")})
	v, err := ev.EvalString(expr, "/")
	if err == nil {
		err = ev.ForceDeep(v)
	}
	if err != nil {
		t.Fatal(err)
	}
	got := ev.Print(v)
	var paths []string
	for _, n := range []string{"hello", "libc6", "libgcc-s1"} {
		sp, err := idx.Lookup(n)[0].StorePath("/nix/store")
		if err != nil {
			t.Fatal(err)
		}
		paths = append(paths, `"`+sp.String()+`"`)
	}
	if !strings.Contains(got, `"hello-2.10-3" "2.10-3" `+strings.Join(paths, " ")+" ]") {
		t.Errorf("evaluated %s; want the name, version and .deb paths %v", got, paths)
	}
	if _, err := exec.LookPath("nix-instantiate"); err != nil {
		t.Log("no nix-instantiate: not compared with Nix")
		return
	}
	out, err := exec.Command("nix-instantiate", "--readonly-mode", "--eval", "--strict", "-E", expr).CombinedOutput()
	if err != nil {
		t.Fatalf("nix-instantiate: %v\n%s", err, out)
	}
	if strings.TrimSpace(string(out)) != got {
		t.Errorf("cairn: %s\nNix:   %s", got, out)
	}
}

func TestGenerateErrors(t *testing.T) {
	c, idx := setup(t)
	cases := []struct{ name, want string }{
		{"helo", "pkgs.helo: channel debian (bookworm amd64) has no package helo (did you mean hello?)"},
		{"zzzzzzzzzz", "pkgs.zzzzzzzzzz: channel debian (bookworm amd64) has no package zzzzzzzzzz"},
	}
	for _, tc := range cases {
		err := Generate(&bytes.Buffer{}, c, idx, []string{tc.name})
		if err == nil || err.Error() != tc.want {
			t.Errorf("%s: error %v, want %q", tc.name, err, tc.want)
		}
	}
	bad, err := debian.ParsePackages("Packages", "Package: a\nVersion: 1\nArchitecture: amd64\nDepends: b\n\nPackage: b\nVersion: 1\nArchitecture: amd64\nFilename: b.deb\nSHA256: 33\n")
	if err != nil {
		t.Fatal(err)
	}
	if err := Generate(&bytes.Buffer{}, c, bad, []string{"a"}); err == nil || !strings.Contains(err.Error(), "has no Filename or SHA256") {
		t.Errorf("error %v, want one about the missing Filename", err)
	}
	if err := Generate(&bytes.Buffer{}, c, bad, []string{"b"}); err == nil || !strings.Contains(err.Error(), "bad SHA256") {
		t.Errorf("error %v, want one about the bad SHA256", err)
	}
}
