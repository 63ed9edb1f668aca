package binarycache

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"cairn.dev/cairn/internal/nix/eval"
	"cairn.dev/cairn/internal/store/local"
	"cairn.dev/cairn/internal/store/narinfo"
)

func openStore(t *testing.T) *local.Store {
	t.Helper()
	st, err := local.Open(context.Background(), local.Options{Root: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func testKey(t *testing.T, name string, seed byte) (narinfo.SecretKey, narinfo.PublicKey) {
	t.Helper()
	sk, pk, err := narinfo.GenerateKey(name, bytes.NewReader(bytes.Repeat([]byte{seed}, 64)))
	if err != nil {
		t.Fatal(err)
	}
	return sk, pk
}

// fill adds a tree (executable, symlink, empty file and folder), a text
// file referring to it and an input-addressed object (as a build output,
// without a content address, so that Nix needs its signature) referring
// to both; it returns the three paths, references first.
func fill(t *testing.T, st *local.Store) []string {
	t.Helper()
	src := filepath.Join(t.TempDir(), "tree")
	for _, d := range []string{"bin", "empty", "share/doc"} {
		if err := os.MkdirAll(filepath.Join(src, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	os.WriteFile(filepath.Join(src, "bin/run"), []byte("#!/bin/sh\necho run\n"), 0o755)
	os.WriteFile(filepath.Join(src, "share/doc/README"), bytes.Repeat([]byte("compressible text\n"), 1000), 0o644)
	os.WriteFile(filepath.Join(src, "share/empty-file"), nil, 0o644)
	os.Symlink("../bin/run", filepath.Join(src, "share/link"))
	ctx := context.Background()
	tree, err := st.AddPath(ctx, eval.AddPathRequest{Src: src, Recursive: true})
	if err != nil {
		t.Fatal(err)
	}
	text, err := st.AddText(ctx, "uses-tree", "run "+tree+"/bin/run\n", []string{tree})
	if err != nil {
		t.Fatal(err)
	}
	built := addBuilt(t, st, tree, text)
	return []string{tree, text, built}
}

func addBuilt(t *testing.T, st *local.Store, refs ...string) string {
	t.Helper()
	p := st.StoreDir() + "/7k6zkv9dqgr8jslp4bdkl9ycgf4w7xgx-built"
	l, err := st.LockPath(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Unlock()
	if err := os.WriteFile(st.RealPath(p), []byte("built from "+strings.Join(refs, " ")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := st.RegisterOutputs(context.Background(), []local.Output{{Path: p}}, refs); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestPutSubstitute(t *testing.T) {
	for _, comp := range []string{"xz", "zstd", "none"} {
		t.Run(comp, func(t *testing.T) {
			ctx := context.Background()
			a := openStore(t)
			paths := fill(t, a)
			sk, pk := testKey(t, "cache-1", 1)
			cache, err := Open("file://"+t.TempDir(), a.StoreDir(), comp)
			if err != nil {
				t.Fatal(err)
			}
			done, err := cache.Put(ctx, a, paths[1:], &sk)
			if err != nil {
				t.Fatal(err)
			}
			if len(done) != 3 {
				t.Errorf("copied %v, want the closure of three paths", done)
			}
			b := openStore(t)
			added, err := cache.Substitute(ctx, b, paths[1:], []narinfo.PublicKey{pk})
			if err != nil {
				t.Fatal(err)
			}
			if strings.Join(added, " ") != strings.Join(paths, " ") {
				t.Errorf("substituted %v, want %v (references first)", added, paths)
			}
			for _, p := range paths {
				ia, _ := a.QueryPathInfo(p)
				ib, err := b.QueryPathInfo(p)
				if err != nil {
					t.Fatal(err)
				}
				if !ia.NarHash.Equal(ib.NarHash) || strings.Join(ia.References, " ") != strings.Join(ib.References, " ") || ia.CA != ib.CA {
					t.Errorf("%s: substituted %+v, original %+v", p, ib, ia)
				}
			}
			if probs, err := b.Verify(ctx, true); err != nil || len(probs) > 0 {
				t.Errorf("verify: %v %v", probs, err)
			}
		})
	}
}

// corrupt returns the cache's only NAR file of path.
func narFile(t *testing.T, c *Cache, path string) string {
	t.Helper()
	ni, err := c.NarInfo(path)
	if err != nil {
		t.Fatal(err)
	}
	return filepath.Join(c.Dir(), ni.URL)
}

// TestFaults: a corrupted NAR (compressed or not), an unsigned path, a
// signature by an untrusted key and an altered .narinfo are clear errors
// and register nothing.
func TestFaults(t *testing.T) {
	ctx := context.Background()
	sk, pk := testKey(t, "cache-1", 1)
	_, other := testKey(t, "other-1", 2)
	cases := []struct {
		name    string
		comp    string
		sign    bool
		trusted narinfo.PublicKey
		damage  func(t *testing.T, c *Cache, paths []string)
		want    string
	}{
		{"corrupt NAR", "none", true, pk, func(t *testing.T, c *Cache, paths []string) {
			f := narFile(t, c, paths[0])
			b, _ := os.ReadFile(f)
			i := bytes.Index(b, []byte("compressible"))
			b[i] ^= 0x20
			os.WriteFile(f, b, 0o644)
		}, "hash mismatch"},
		{"truncated NAR", "none", true, pk, func(t *testing.T, c *Cache, paths []string) {
			f := narFile(t, c, paths[0])
			b, _ := os.ReadFile(f)
			os.WriteFile(f, b[:len(b)/2], 0o644)
		}, "substituting"},
		{"corrupt xz", "xz", true, pk, func(t *testing.T, c *Cache, paths []string) {
			f := narFile(t, c, paths[0])
			b, _ := os.ReadFile(f)
			b[len(b)/2] ^= 0xff
			os.WriteFile(f, b, 0o644)
		}, "substituting"},
		{"unsigned", "xz", false, pk, nil, "refusing"},
		{"untrusted key", "xz", true, other, nil, "refusing"},
		{"altered narinfo", "xz", true, pk, func(t *testing.T, c *Cache, paths []string) {
			np, _ := c.narinfoPath(paths[0])
			b, _ := os.ReadFile(np)
			b = bytes.Replace(b, []byte("References: "), []byte("References: "+filepath.Base(paths[1])+" "), 1)
			os.WriteFile(np, b, 0o644)
		}, "refusing"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a := openStore(t)
			paths := fill(t, a)
			cache, err := Open("file://"+t.TempDir(), a.StoreDir(), tc.comp)
			if err != nil {
				t.Fatal(err)
			}
			var key *narinfo.SecretKey
			if tc.sign {
				key = &sk
			}
			if _, err := cache.Put(ctx, a, paths, key); err != nil {
				t.Fatal(err)
			}
			if tc.damage != nil {
				tc.damage(t, cache, paths)
			}
			b := openStore(t)
			_, err = cache.Substitute(ctx, b, paths[1:], []narinfo.PublicKey{tc.trusted})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got error %v, want one containing %q", err, tc.want)
			}
			for _, p := range paths {
				if ok, _ := b.IsValid(p); ok {
					t.Errorf("%s registered despite the error", p)
				}
				if _, err := os.Lstat(b.RealPath(p)); err == nil {
					t.Errorf("%s left in the store despite the error", p)
				}
			}
			if probs, err := b.Verify(ctx, true); err != nil || len(probs) > 0 {
				t.Errorf("verify: %v %v", probs, err)
			}
		})
	}
}

// TestNixReadsCairnCache: Nix 2.8 copies paths from a cache that cairn
// wrote (xz and zstd), checking cairn's signatures, and gets the same
// NAR hashes and references.
func TestNixReadsCairnCache(t *testing.T) {
	if _, err := exec.LookPath("nix"); err != nil {
		t.Skip("nix not installed")
	}
	for _, comp := range []string{"xz", "zstd"} {
		t.Run(comp, func(t *testing.T) {
			ctx := context.Background()
			a := openStore(t)
			paths := fill(t, a)
			sk, pk := testKey(t, "cairn-test-1", 3)
			dir := t.TempDir()
			cache, err := Open("file://"+dir, a.StoreDir(), comp)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := cache.Put(ctx, a, paths, &sk); err != nil {
				t.Fatal(err)
			}
			nixRoot := t.TempDir()
			nixCmd(t, "nix", append([]string{"--extra-experimental-features", "nix-command", "copy",
				"--from", "file://" + dir, "--to", nixRoot,
				"--option", "trusted-public-keys", pk.String(), "--option", "substituters", ""}, paths...)...)
			for _, p := range paths {
				info, _ := a.QueryPathInfo(p)
				if got := nixCmd(t, "nix-store", "--store", nixRoot, "-q", "--hash", p); got != info.NarHash.String() {
					t.Errorf("%s: Nix has NAR hash %s, cairn %s", p, got, info.NarHash)
				}
				refs := strings.Fields(nixCmd(t, "nix-store", "--store", nixRoot, "-q", "--references", p))
				sort.Strings(refs)
				if strings.Join(refs, " ") != strings.Join(info.References, " ") {
					t.Errorf("%s: Nix has references %v, cairn %v", p, refs, info.References)
				}
			}
			// With another trusted key Nix refuses the input-addressed path
			// (content-addressed ones need no signature in Nix).
			_, other := testKey(t, "other-1", 4)
			cmd := exec.Command("nix", "--extra-experimental-features", "nix-command", "copy",
				"--from", "file://"+dir, "--to", t.TempDir(),
				"--option", "trusted-public-keys", other.String(), "--option", "substituters", "", paths[2])
			if out, err := cmd.CombinedOutput(); err == nil || !strings.Contains(string(out), "lacks a valid signature") {
				t.Errorf("Nix accepted paths signed by an untrusted key: %v\n%s", err, out)
			}
		})
	}
}

// TestCairnReadsNixCache: cairn substitutes paths from a cache written by
// nix copy --to file://, signed with a key from
// nix-store --generate-binary-cache-key.
func TestCairnReadsNixCache(t *testing.T) {
	if _, err := exec.LookPath("nix"); err != nil {
		t.Skip("nix not installed")
	}
	ctx := context.Background()
	tmp := t.TempDir()
	nixRoot := filepath.Join(tmp, "nixroot")
	src := filepath.Join(tmp, "tree")
	os.MkdirAll(filepath.Join(src, "sub"), 0o755)
	os.WriteFile(filepath.Join(src, "sub/exe"), []byte("#!/bin/sh\n"), 0o755)
	os.WriteFile(filepath.Join(src, "data"), bytes.Repeat([]byte("x"), 10000), 0o644)
	os.Symlink("sub/exe", filepath.Join(src, "link"))
	tree := nixCmd(t, "nix-store", "--store", nixRoot, "--add", src)
	nixCmd(t, "nix-store", "--generate-binary-cache-key", "nix-test-1", filepath.Join(tmp, "sec"), filepath.Join(tmp, "pub"))
	cacheDir := filepath.Join(tmp, "cache")
	nixCmd(t, "nix", "--extra-experimental-features", "nix-command", "copy", "--store", nixRoot,
		"--to", "file://"+cacheDir+"?secret-key="+filepath.Join(tmp, "sec"), tree)
	pub, _ := os.ReadFile(filepath.Join(tmp, "pub"))
	pk, err := narinfo.ParsePublicKey(string(pub))
	if err != nil {
		t.Fatal(err)
	}
	st := openStore(t)
	cache, err := Open("file://"+cacheDir, st.StoreDir(), "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cache.Substitute(ctx, st, []string{tree}, []narinfo.PublicKey{pk}); err != nil {
		t.Fatal(err)
	}
	info, err := st.QueryPathInfo(tree)
	if err != nil {
		t.Fatal(err)
	}
	if want := nixCmd(t, "nix-store", "--store", nixRoot, "-q", "--hash", tree); info.NarHash.String() != want {
		t.Errorf("NAR hash %s, Nix %s", info.NarHash, want)
	}
	if len(info.Sigs) != 1 || !strings.HasPrefix(info.Sigs[0], "nix-test-1:") {
		t.Errorf("signatures %v", info.Sigs)
	}
	if probs, err := st.Verify(ctx, true); err != nil || len(probs) > 0 {
		t.Errorf("verify: %v %v", probs, err)
	}
	// Without the key cairn refuses it.
	st2 := openStore(t)
	_, other := testKey(t, "other-1", 5)
	if _, err := cache.Substitute(ctx, st2, []string{tree}, []narinfo.PublicKey{other}); err == nil {
		t.Error("substituted a path signed by an untrusted key")
	}
}

func nixCmd(t *testing.T, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, stderr.String())
	}
	return strings.TrimSpace(string(out))
}
