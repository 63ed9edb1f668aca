package cli

import (
	"os"
	"strings"
	"testing"

	"cairn.dev/cairn/internal/pkgs/debian"
)

// TestRunPackageTampered pins a loopback channel whose index gives the
// sha256 of one file while the mirror serves another: `cairn run tiny`
// fails on the hash and the .deb's store path is not registered. A name
// the channel lacks fails at evaluation with the nearest name.
func TestRunPackageTampered(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("building in the sandbox needs root")
	}
	m, index, dir, cache := tinyChannel(t, []byte("the .deb the index was made from\n"), "pool/main/t/tiny/tiny_1.0-1_amd64.deb")
	m.Files["pool/main/t/tiny/tiny_1.0-1_amd64.deb"] = []byte("a .deb someone put in its place\n")
	root := t.TempDir()
	code, _, stderr := runCairn(t, dir, cache, "run", "--root", root, "tiny", "--", "true")
	if code != exitFailure || !strings.Contains(stderr, "hash mismatch") {
		t.Fatalf("run tiny: exit %d, want %d and a hash mismatch: %s", code, exitFailure, stderr)
	}
	idx, err := debian.ParsePackages("Packages", index)
	if err != nil {
		t.Fatal(err)
	}
	sp, err := idx.Lookup("tiny")[0].StorePath("/nix/store")
	if err != nil {
		t.Fatal(err)
	}
	sf := storeFlags{root: root}
	if _, err := sf.parse(nil); err != nil {
		t.Fatal(err)
	}
	st, err := sf.open(t.Context(), &Env{Getenv: func(string) string { return "" }})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if ok, err := st.IsValid(sp.String()); ok || err != nil {
		t.Errorf("%s registered (%v, %v) after a hash mismatch", sp, ok, err)
	}
	if _, err := os.Lstat(st.RealPath(sp.String())); !os.IsNotExist(err) {
		t.Errorf("%s left in the store: %v", sp, err)
	}

	code, _, stderr = runCairn(t, dir, cache, "run", "--root", root, "tiy", "--", "true")
	if want := "error: pkgs.tiy is not in channel deb (has tiny)\n"; code != exitFailure || stderr != want {
		t.Errorf("run tiy: exit %d %q, want %q", code, stderr, want)
	}
}

// TestRunPackageBookworm pins the host mirror's bookworm and runs hello
// and nginx by name: each is evaluated as pkgs.NAME, its .deb files
// fetched from the mirror into the store under --root, unpacked, and run
// from its closure. It skips offline; downloads stay in the user's cache.
func TestRunPackageBookworm(t *testing.T) {
	cache := needMirror(t, true)
	dir, root := t.TempDir(), t.TempDir()
	if code, _, stderr := runCairn(t, dir, cache, "channel", "add", "debian", "--suite", "bookworm", "--arch", "amd64"); code != 0 {
		t.Fatalf("channel add: exit %d: %s", code, stderr)
	}
	code, out, stderr := runCairn(t, dir, cache, "run", "--root", root, "hello", "--", "hello")
	if code != 0 || out != "Hello, world!\n" {
		t.Fatalf("run hello: exit %d %q: %s", code, out, stderr)
	}
	code, _, stderr = runCairn(t, dir, cache, "run", "--root", root, "nginx", "--", "nginx", "-v")
	if code != 0 || !strings.Contains(stderr, "nginx version: nginx/1.") {
		t.Fatalf("run nginx: exit %d: %s", code, stderr)
	}
	// The licence comes from the package's DEP-5 copyright file.
	code, out, stderr = runCairn(t, dir, cache, "pkgs", "show", "nginx")
	if code != 0 || !strings.Contains(out, "licence:       BSD-2-clause") || !strings.Contains(out, "(from /usr/share/doc/nginx/copyright)") {
		t.Errorf("pkgs show nginx: exit %d\n%s%s", code, out, stderr)
	}
}
