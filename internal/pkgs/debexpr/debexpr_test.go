package debexpr

import (
	"context"
	"io/fs"
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

Package: broken
Version: 1
Architecture: amd64
Depends: nothere
Filename: pool/main/b/broken/broken_1_amd64.deb
SHA256: 3333333333333333333333333333333333333333333333333333333333333333

Package: nosum
Version: 1
Architecture: amd64
Filename: pool/main/n/nosum/nosum_1_amd64.deb

Package: foo-bar
Version: 1
Architecture: amd64
Filename: f1.deb
SHA256: 4444444444444444444444444444444444444444444444444444444444444444

Package: foo.bar
Version: 1
Architecture: amd64
Filename: f2.deb
SHA256: 5555555555555555555555555555555555555555555555555555555555555555
`

const index2 = `Package: hello
Version: 2.12-1
Architecture: amd64
Filename: pool/main/h/hello/hello_2.12-1_amd64.deb
SHA256: 6666666666666666666666666666666666666666666666666666666666666666

Package: postgresql-17
Version: 17.2-1
Architecture: amd64
Filename: pool/main/p/postgresql-17/postgresql-17_17.2-1_amd64.deb
SHA256: 7777777777777777777777777777777777777777777777777777777777777777
`

// newFS returns the folder for two channels, "debian" (index) and
// "next" (index2), in that order.
func newFS(t *testing.T) (*FS, map[string]*debian.Index) {
	t.Helper()
	idxs := map[string]*debian.Index{}
	for name, text := range map[string]string{"debian": index, "next": index2} {
		idx, err := debian.ParsePackages("Packages", text)
		if err != nil {
			t.Fatal(err)
		}
		idxs[name] = idx
	}
	lock := &channel.Lock{Version: 1, Channels: []channel.Channel{
		{Name: "debian", Suite: "bookworm", Mirror: "http://mirror.example/debian/", Architecture: "amd64", InRelease: "abc"},
		{Name: "next", Suite: "trixie", Mirror: "http://mirror.example/debian/", Architecture: "amd64", InRelease: "def"},
	}}
	return NewFS(context.Background(), lock, func(_ context.Context, c *channel.Channel) (*debian.Index, error) {
		return idxs[c.Name], nil
	}), idxs
}

func evalIn(t *testing.T, f fs.FS, expr string) (string, error) {
	t.Helper()
	fset := token.NewFileSet()
	ev := eval.New(context.Background(), eval.Options{FileSet: fset, Store: dry.New("/nix/store"), Mounts: map[string]fs.FS{"/d": f}})
	v, err := ev.EvalString(expr, "/")
	if err == nil {
		err = ev.ForceDeep(v)
	}
	if err != nil {
		return "", err
	}
	return ev.Print(v), nil
}

// TestFS checks the package file of hello against testdata/hello.nix
// (CAIRN_UPDATE=1 rewrites it), evaluates pkgs.hello through the mount:
// the .deb of every member of the closure has the store path
// debian.Package.StorePath gives; where nix-instantiate is installed, Nix
// evaluating a copy of the folder computes the same derivation paths.
func TestFS(t *testing.T) {
	f, idxs := newFS(t)
	data, err := fs.ReadFile(f, "c/debian/pkgs/hello")
	if err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "hello.nix")
	if os.Getenv("CAIRN_UPDATE") == "1" {
		if err := os.WriteFile(golden, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if string(data) != string(want) {
		t.Errorf("c/debian/pkgs/hello:\n%s\nwant (%s):\n%s", data, golden, want)
	}

	expr := `let d = import /d { }; p = d.packages.hello; in [ p.drvPath p.name p.version p.channel d.channels.next.hello.version ] ++ map (u: u.deb.outPath) p.closure`
	got, err := evalIn(t, f, expr)
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	for _, n := range []string{"hello", "libc6", "libgcc-s1"} {
		sp, err := idxs["debian"].Lookup(n)[0].StorePath("/nix/store")
		if err != nil {
			t.Fatal(err)
		}
		paths = append(paths, `"`+sp.String()+`"`)
	}
	if !strings.Contains(got, `"hello-2.10-3" "2.10-3" "debian" "2.12-1" `+strings.Join(paths, " ")+" ]") {
		t.Errorf("evaluated %s; want the name, version, channel, the other channel's version and .deb paths %v", got, paths)
	}

	if _, err := exec.LookPath("nix-instantiate"); err != nil {
		t.Log("no nix-instantiate: not compared with Nix")
		return
	}
	// A copy of the files this evaluation reads, for Nix.
	dir := t.TempDir()
	files := []string{"default.nix", "channels.nix", "c/debian/info.nix", "c/next/info.nix", "c/next/pkgs/hello", "c/next/debs/hello_2.12-1"}
	for _, n := range []string{"hello", "libc6", "libgcc-s1"} {
		files = append(files, "c/debian/pkgs/"+n, "c/debian/debs/"+n+"_"+idxs["debian"].Lookup(n)[0].Version)
	}
	for _, c := range []string{"debian", "next"} {
		names, err := f.Names(c)
		if err != nil {
			t.Fatal(err)
		}
		os.MkdirAll(filepath.Join(dir, "c", c, "pkgs"), 0o755)
		os.MkdirAll(filepath.Join(dir, "c", c, "debs"), 0o755)
		for _, n := range names {
			// Every name must exist for readDir; those not used stay empty.
			os.WriteFile(filepath.Join(dir, "c", c, "pkgs", n), nil, 0o644)
		}
	}
	for _, name := range files {
		data, err := fs.ReadFile(f, name)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	out, err := exec.Command("nix-instantiate", "--readonly-mode", "--eval", "--strict", "-E", strings.ReplaceAll(expr, "/d", dir)).CombinedOutput()
	if err != nil {
		t.Fatalf("nix-instantiate: %v\n%s", err, out)
	}
	if strings.TrimSpace(string(out)) != got {
		t.Errorf("cairn: %s\nNix:   %s", got, out)
	}
}

// TestFSNames: a channel's names are its packages and their aliases; an
// alias two names would share is left out; the merged set takes a name
// from the first channel that has it.
func TestFSNames(t *testing.T) {
	f, _ := newFS(t)
	names, err := f.Names("debian")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := strings.Join(names, " "), "broken foo-bar foo.bar hello libc6 libgcc-s1 libgcc_s1 nosum"; got != want {
		t.Errorf("names %q, want %q", got, want)
	}
	got, err := evalIn(t, f, `let d = import /d { }; in [ d.order d.packages.hello.version d.packages.postgresql_17.pname d.packages.libgcc_s1.pname (builtins.attrNames d.channels) ]`)
	if err != nil {
		t.Fatal(err)
	}
	if want := `[ [ "debian" "next" ] "2.10-3" "postgresql-17" "libgcc-s1" [ "debian" "next" ] ]`; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}

// TestFSErrors: what the channels lack fails when it is used, with the
// reason; a name no channel has is explained with the nearest names.
func TestFSErrors(t *testing.T) {
	f, _ := newFS(t)
	cases := []struct{ expr, want string }{
		{`(import /d { }).packages.broken.drvPath`, "pkgs.broken: channel debian (bookworm amd64): unsatisfiable dependency broken -> nothere"},
		{`(import /d { }).packages.nosum.drvPath`, "nosum 1 has no Filename or SHA256 in the index"},
		{`(import /d { }).packages.helo`, "attribute 'helo' missing"},
	}
	for _, tc := range cases {
		_, err := evalIn(t, f, tc.expr)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want %q", tc.expr, err, tc.want)
		}
	}
	if got, want := f.MissingHint("postgresql_16"), "pkgs.postgresql_16 is not in channel debian nor in channel next (has postgresql_17)"; got != want {
		t.Errorf("hint %q, want %q", got, want)
	}
	if got := f.MissingHint("hello"); got != "" {
		t.Errorf("hint for a name a channel has: %q", got)
	}
	unused, _ := newFS(t)
	if got := unused.MissingHint("helo"); got != "" {
		t.Errorf("hint from channels no evaluation loaded: %q", got)
	}
	if _, err := evalIn(t, NewErrorFS(os.ErrPermission), `(import /d { }).packages`); err == nil || !strings.Contains(err.Error(), "permission denied") {
		t.Errorf("a lock that cannot be read: %v", err)
	}
}
