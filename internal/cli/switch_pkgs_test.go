package cli

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"cairn.dev/cairn/internal/pkgs/debian"
	"cairn.dev/cairn/internal/pkgs/debian/debiantest"
)

// TestSwitchBadPackage: a configuration whose package cannot be had
// (its download is cut mid-way, the mirror serves another file than the
// pinned index says, the channel has no such name) fails to switch with a
// clear error; the .deb is not registered in the store and the running
// generation, its links and /etc stay exactly as they were.
func TestSwitchBadPackage(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("building in the sandbox needs root")
	}
	good := []byte("the .deb the index was made from, long enough to be cut\n")
	const pool = "pool/main/t/tiny/tiny_1.0-1_amd64.deb"
	m, index, dir, cache := tinyChannel(t, good, pool)
	root := t.TempDir()
	config := filepath.Join(dir, "configuration.nix")
	write := func(pkgs string) {
		t.Helper()
		text := `{ pkgs, ... }: { system.stateVersion = "26.11"; environment.etc.motd.text = "hello\n"; environment.systemPackages = [ ` + pkgs + ` ]; }`
		if err := os.WriteFile(config, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("")
	if code, out, stderr := runCairn(t, dir, cache, "switch", "--root", root, "--manager", "none", "-c", config); code != 0 {
		t.Fatalf("first switch: exit %d\n%s%s", code, out, stderr)
	}
	before := treeListing(t, root)

	idx, err := debian.ParsePackages("Packages", index)
	if err != nil {
		t.Fatal(err)
	}
	sp, err := idx.Lookup("tiny")[0].StorePath("/nix/store")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, pkgs, want string
		setup            func()
	}{
		{"cut", "pkgs.tiny", "unexpected EOF", func() { m.Files[pool] = good; m.Cut[pool] = 20 }},
		{"tampered", "pkgs.tiny", "hash mismatch", func() { delete(m.Cut, pool); m.Files[pool] = []byte("a .deb someone put in its place\n") }},
		{"missing", "pkgs.tinny", "pkgs.tinny is not in channel deb (has tiny)", func() {}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.setup()
			write(tc.pkgs)
			code, out, stderr := runCairn(t, dir, cache, "switch", "--root", root, "--manager", "none", "-c", config)
			if code == 0 || !strings.Contains(stderr, tc.want) {
				t.Fatalf("switch: exit %d, want an error with %q\n%s%s", code, tc.want, out, stderr)
			}
			if _, err := os.Lstat(filepath.Join(root, sp.String())); !os.IsNotExist(err) {
				t.Errorf("%s left in the store: %v", sp, err)
			}
			if code, out, _ := runCairn(t, dir, cache, "store", "verify", "--root", root, "--check-contents"); code != 0 {
				t.Errorf("store verify after a failed switch: exit %d\n%s", code, out)
			}
			if after := treeListing(t, root); after != before {
				t.Errorf("the failed switch changed the root:\nbefore:\n%s\nafter:\n%s", before, after)
			}
		})
	}
}

// tinyChannel serves a signed loopback channel "deb" whose index has one
// package, tiny, made from the .deb content good at pool (the test may
// then serve something else there), and adds it to the lock of a fresh
// folder dir; cache is the commands' cache.
func tinyChannel(t *testing.T, good []byte, pool string) (m *debiantest.Mirror, index, dir, cache string) {
	t.Helper()
	sum := sha256.Sum256(good)
	index = "Package: tiny\nVersion: 1.0-1\nArchitecture: amd64\nFilename: " + pool + "\nSHA256: " +
		hex.EncodeToString(sum[:]) + "\nSize: " + strconv.Itoa(len(good)) + "\nDescription: a package\n"
	m = debiantest.New(t, "test", map[string]string{"main/binary-amd64": index}, debiantest.Options{})
	m.Files[pool] = good
	dir, cache = t.TempDir(), t.TempDir()
	keyring := filepath.Join(dir, "test.gpg")
	if err := os.WriteFile(keyring, m.Keyring, 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, stderr := runCairn(t, dir, cache, "channel", "add", "deb", "--suite", "test", "--mirror", m.URL, "--keyring", keyring, "--arch", "amd64"); code != 0 {
		t.Fatalf("channel add: exit %d: %s", code, stderr)
	}
	return m, index, dir, cache
}

// treeListing lists what a switch changes under root (every path but
// the store, its database, locks and build logs, which a failed build adds to,
// and the lock file, which holds the last switching pid): type, mode,
// link target and content hash.
func treeListing(t *testing.T, root string) string {
	t.Helper()
	var b strings.Builder
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		switch rel {
		case "nix/store", "nix/var/cairn", "nix/var/log", "run/cairn/switch.lock":
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		fmt.Fprintf(&b, "%s %v", rel, info.Mode())
		switch {
		case info.Mode()&fs.ModeSymlink != 0:
			target, _ := os.Readlink(p)
			fmt.Fprintf(&b, " -> %s", target)
		case info.Mode().IsRegular():
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			fmt.Fprintf(&b, " %x", sha256.Sum256(data))
		}
		b.WriteString("\n")
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.String()
}
