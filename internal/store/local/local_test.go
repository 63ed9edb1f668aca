package local

import (
	"bytes"
	"context"
	"crypto/sha256"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"

	"cairn.dev/cairn/internal/nix/eval"
	"cairn.dev/cairn/internal/store/nixhash"
)

func openStore(t testing.TB, root string) *Store {
	t.Helper()
	st, err := Open(context.Background(), Options{Root: root})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// corpus are expressions whose derivations cairn instantiate must write
// exactly as nix-instantiate does: chains, multiple outputs, fixed
// outputs, sources, filtered sources, toFile with references and .drv
// references.
var corpus = map[string]string{
	"chain": `let a = derivation { name = "a"; system = "x86_64-linux"; builder = "/bin/sh"; args = [ "-c" "echo a > $out" ]; };
  b = derivation { name = "b"; system = "x86_64-linux"; builder = "/bin/sh"; args = [ "-c" "echo ${a} > $out" ]; };
in derivation { name = "c"; system = "x86_64-linux"; builder = "/bin/sh"; args = [ "${b}" ]; }`,
	"outputs": `let m = derivation { name = "m"; system = "x86_64-linux"; builder = "/bin/sh"; outputs = [ "out" "dev" "lib" ]; };
in derivation { name = "uses-dev"; system = "x86_64-linux"; builder = "/bin/sh"; dev = m.dev; lib = "${m.lib}/lib"; }`,
	"fixed": `let f = derivation { name = "f"; system = "x86_64-linux"; builder = "/bin/sh"; outputHashMode = "recursive";
    outputHashAlgo = "sha512"; outputHash = "21h4z9pi1hsg8dqdz1v12fc27kmkmibrw4bw8ddjfmafdpbvp2cp8k9153n6mfi655ajmp7dh5z1i1iaj72b7nrvnc53271zlj286qd"; };
  g = derivation { name = "g"; system = "x86_64-linux"; builder = "/bin/sh"; outputHash = "sha1-qvTGHdzF6KLavt4PO0gs2a6pQ00="; };
in derivation { name = "uses-fixed"; system = "x86_64-linux"; builder = "/bin/sh"; inherit f g; }`,
	"sources": `let note = builtins.toFile "note" "a note";
  refers = builtins.toFile "refers" "see ${note}";
in derivation { name = "sources"; system = "x86_64-linux"; builder = "/bin/sh";
  tree = ./tree; exe = ./tree/bin/run; filtered = builtins.filterSource (p: t: t != "symlink") ./tree;
  named = builtins.path { path = ./tree; name = "renamed"; };
  flat = builtins.path { path = ./tree/bin/run; recursive = false; };
  inherit refers; }`,
	"drv-reference": `let a = derivation { name = "a"; system = "x86_64-linux"; builder = "/bin/sh"; };
in derivation { name = "refers-to-drv"; system = "x86_64-linux"; builder = "/bin/sh"; d = a.drvPath; }`,
}

func writeTree(t testing.TB, dir string) {
	t.Helper()
	for _, d := range []string{"tree/bin", "tree/empty"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	os.WriteFile(filepath.Join(dir, "tree/bin/run"), []byte("#!/bin/sh\necho run\n"), 0o755)
	os.WriteFile(filepath.Join(dir, "tree/data"), []byte("data\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "tree/empty-file"), nil, 0o600)
	os.Symlink("bin/run", filepath.Join(dir, "tree/link"))
}

func drvPathOf(t testing.TB, st *Store, dir, expr string) string {
	t.Helper()
	ev := eval.New(context.Background(), eval.Options{Store: st, Getenv: func(string) string { return "" }, Dir: dir})
	v, err := ev.EvalString(expr, dir)
	if err != nil {
		t.Fatal(err)
	}
	v, err = ev.Force(v)
	if err != nil {
		t.Fatal(err)
	}
	a, _ := v.(*eval.Attrs).Get("drvPath")
	p, err := ev.Force(a.Value)
	if err != nil {
		t.Fatal(err)
	}
	return p.(*eval.String).S
}

// TestInstantiateAgainstNix writes each corpus entry's derivations into a
// local store and into a chroot store with nix-instantiate: the .drv
// paths are the same, and every path cairn registered (sources, toFile
// texts, .drv files) exists in Nix's store with the same NAR hash and
// references.
func TestInstantiateAgainstNix(t *testing.T) {
	if _, err := exec.LookPath("nix-instantiate"); err != nil {
		t.Skip("nix-instantiate not installed")
	}
	names := make([]string, 0, len(corpus))
	for n := range corpus {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			writeTree(t, dir)
			file := filepath.Join(dir, "default.nix")
			os.WriteFile(file, []byte(corpus[name]), 0o644)
			st := openStore(t, t.TempDir())
			got := drvPathOf(t, st, dir, corpus[name])
			nixRoot := t.TempDir()
			out, err := exec.Command("nix-instantiate", "--store", nixRoot, file).Output()
			if err != nil {
				t.Fatalf("nix-instantiate: %v", err)
			}
			if want := strings.TrimSpace(string(out)); got != want {
				t.Fatalf("drvPath %s, Nix %s", got, want)
			}
			infos, err := st.ValidPaths()
			if err != nil {
				t.Fatal(err)
			}
			for _, i := range infos {
				q := func(what string) string {
					out, err := exec.Command("nix-store", "--store", nixRoot, "-q", what, i.Path).Output()
					if err != nil {
						t.Fatalf("nix-store -q %s %s: %v", what, i.Path, err)
					}
					return strings.TrimSpace(string(out))
				}
				if h := q("--hash"); h != i.NarHash.String() {
					t.Errorf("%s: NAR hash %s, Nix %s", i.Path, i.NarHash, h)
				}
				refs := strings.Fields(q("--references"))
				sort.Strings(refs)
				if strings.Join(refs, " ") != strings.Join(i.References, " ") {
					t.Errorf("%s: references %v, Nix %v", i.Path, i.References, refs)
				}
				if strings.HasSuffix(i.Path, ".drv") {
					mine, _ := os.ReadFile(st.RealPath(i.Path))
					nix, _ := os.ReadFile(filepath.Join(nixRoot, i.Path))
					if !bytes.Equal(mine, nix) {
						t.Errorf("%s differs from Nix's:\n%s\n%s", i.Path, mine, nix)
					}
				}
			}
		})
	}
}

// TestCanonical: objects are read-only, mtime 1, no setuid bits, and an
// executable keeps its execute bits.
func TestCanonical(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, dir)
	os.Chmod(filepath.Join(dir, "tree/data"), 0o4755|os.ModeSetuid)
	syscall.Chmod(filepath.Join(dir, "tree/data"), 0o4755)
	st := openStore(t, t.TempDir())
	p, err := st.AddTree(context.Background(), filepath.Join(dir, "tree"))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]os.FileMode{
		"":           os.ModeDir | 0o555,
		"bin":        os.ModeDir | 0o555,
		"bin/run":    0o555,
		"data":       0o555,
		"empty":      os.ModeDir | 0o555,
		"empty-file": 0o444,
		"link":       os.ModeSymlink | 0o777,
	}
	for rel, mode := range want {
		fi, err := os.Lstat(filepath.Join(st.RealPath(p), rel))
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode() != mode {
			t.Errorf("%s: mode %v, want %v", rel, fi.Mode(), mode)
		}
		if fi.ModTime().Unix() != 1 {
			t.Errorf("%s: mtime %v, want 1", rel, fi.ModTime())
		}
	}
}

// TestCrashLeftovers: a temporary file and an unregistered object left by
// a crashed writer are removed, and the path can be added again.
func TestCrashLeftovers(t *testing.T) {
	root := t.TempDir()
	st := openStore(t, root)
	ctx := context.Background()
	p, err := st.Store.AddText(ctx, "note", "a note", nil) // computed only
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	tmp := filepath.Join(root, "nix/store", tempPrefix+filepath.Base(p))
	os.WriteFile(tmp, []byte("half"), 0o644)
	os.WriteFile(filepath.Join(root, p), []byte("half-written"), 0o644)

	st = openStore(t, root)
	if _, err := os.Lstat(tmp); err == nil {
		t.Error("temporary file of a crashed writer not removed at open")
	}
	if ok, _ := st.IsValid(p); ok {
		t.Fatal("unregistered object is valid")
	}
	if got, err := st.AddText(ctx, "note", "a note", nil); err != nil || got != p {
		t.Fatalf("AddText: %s %v", got, err)
	}
	if b, _ := os.ReadFile(st.RealPath(p)); string(b) != "a note" {
		t.Errorf("contents %q after re-adding", b)
	}
	if probs, err := st.Verify(ctx, true); err != nil || len(probs) > 0 {
		t.Errorf("verify: %v %v", probs, err)
	}
}

// TestVerify reports changed contents and missing paths.
func TestVerify(t *testing.T) {
	st := openStore(t, t.TempDir())
	ctx := context.Background()
	a, _ := st.AddText(ctx, "a", "aaa", nil)
	b, _ := st.AddText(ctx, "b", "bbb", nil)
	c, _ := st.AddText(ctx, "c", "ccc", nil)
	os.Chmod(st.RealPath(a), 0o644)
	os.WriteFile(st.RealPath(a), []byte("AAA"), 0o644)
	os.Remove(st.RealPath(b))
	probs, err := st.Verify(ctx, false)
	if err != nil || len(probs) != 1 || probs[0].Path != b {
		t.Errorf("verify without contents: %v %v", probs, err)
	}
	probs, err = st.Verify(ctx, true)
	if err != nil || len(probs) != 2 {
		t.Fatalf("verify: %v %v", probs, err)
	}
	for _, p := range probs {
		if p.Path == c {
			t.Errorf("intact path reported: %v", p)
		}
		if p.Path == a && !strings.Contains(p.Msg, "contents changed") {
			t.Errorf("changed path: %v", p)
		}
	}
}

// TestGC: direct, indirect and profile roots keep their closures (and
// the derivers of live paths); everything else is deleted.
func TestGC(t *testing.T) {
	root := t.TempDir()
	st := openStore(t, root)
	ctx := context.Background()
	add := func(name string, refs ...string) string {
		p, err := st.AddText(ctx, name, name+" "+strings.Join(refs, " "), refs)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	dep := add("dep")
	direct := add("direct", dep)
	indirect := add("indirect")
	profile := add("profile")
	dead := add("dead", dep)
	deadDep := add("dead-dep")
	dead2 := add("dead2", deadDep)
	if err := st.AddRoot("direct", direct); err != nil {
		t.Fatal(err)
	}
	result := filepath.Join(t.TempDir(), "result")
	os.Symlink(indirect, result)
	if err := st.AddIndirectRoot(result); err != nil {
		t.Fatal(err)
	}
	profiles := filepath.Join(root, ProfilesDir)
	os.MkdirAll(profiles, 0o755)
	os.Symlink(profile, filepath.Join(profiles, "system-1-link"))
	os.Symlink("system-1-link", filepath.Join(profiles, "system"))
	// An unregistered object, as a crash between rename and register
	// leaves it.
	orphan := st.StoreDir() + "/0000000000000000000000000000000a-orphan"
	os.WriteFile(st.RealPath(orphan), []byte("x"), 0o444)

	// A build's scratch folder left by a crash.
	stale := filepath.Join(root, "nix/store/.cairn-build-1234")
	os.MkdirAll(filepath.Join(stale, "store"), 0o700)

	res, err := st.GC(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{dead, deadDep, dead2, orphan}
	sort.Strings(want)
	if strings.Join(res.Deleted, " ") != strings.Join(want, " ") {
		t.Errorf("deleted\n  %v\nwant\n  %v", res.Deleted, want)
	}
	if res.Freed == 0 {
		t.Error("nothing freed")
	}
	if _, err := os.Lstat(stale); err == nil {
		t.Error("stale build folder not removed")
	}
	for _, p := range []string{dep, direct, indirect, profile} {
		if ok, _ := st.IsValid(p); !ok {
			t.Errorf("live path %s was collected", p)
		}
	}
	for _, p := range want {
		if _, err := os.Lstat(st.RealPath(p)); err == nil {
			t.Errorf("%s still on disk", p)
		}
	}
	if probs, err := st.Verify(ctx, true); err != nil || len(probs) > 0 {
		t.Errorf("verify: %v %v", probs, err)
	}
}

// TestConcurrentAdd: stores opened separately (as by separate processes)
// adding the same paths at once all get them, each written once.
func TestConcurrentAdd(t *testing.T) {
	root := t.TempDir()
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			st, err := Open(ctx, Options{Root: root})
			if err != nil {
				errs <- err
				return
			}
			defer st.Close()
			for j := 0; j < 5; j++ {
				if _, err := st.AddText(ctx, "shared", strings.Repeat("x", 1000*j), nil); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	st := openStore(t, root)
	infos, _ := st.ValidPaths()
	if len(infos) != 5 {
		t.Errorf("%d valid paths, want 5", len(infos))
	}
	if probs, err := st.Verify(ctx, true); err != nil || len(probs) > 0 {
		t.Errorf("verify: %v %v", probs, err)
	}
}

// FuzzAddNAR: whatever bytes arrive as a NAR, AddNAR never panics, and
// registers a path only when the bytes are a NAR with the expected hash.
func FuzzAddNAR(f *testing.F) {
	f.Add([]byte("\x0d\x00\x00\x00\x00\x00\x00\x00nix-archive-1\x00\x00\x00"))
	f.Add([]byte{})
	root := f.TempDir()
	st := openStore(f, root)
	f.Fuzz(func(t *testing.T, data []byte) {
		sum := sha256.Sum256(data)
		p := st.StoreDir() + "/" + nixhash.EncodeBase32(sum[:20]) + "-fuzz"
		if len(nixhash.EncodeBase32(sum[:20])) != 32 {
			t.Skip()
		}
		info := PathInfo{Path: p, NarHash: nixhash.Hash{Algo: nixhash.SHA256, Digest: sum[:]}, NarSize: int64(len(data))}
		err := st.AddNAR(context.Background(), info, bytes.NewReader(data))
		ok, _ := st.IsValid(p)
		if err == nil != ok {
			t.Fatalf("AddNAR returned %v but valid=%v", err, ok)
		}
		if err != nil {
			if _, serr := os.Lstat(st.RealPath(p)); serr == nil {
				t.Fatalf("failed AddNAR left %s", p)
			}
		}
	})
}

// TestGCSharedWithNix: in a root that also holds Nix's database, objects
// cairn did not register may be Nix's and are left alone.
func TestGCSharedWithNix(t *testing.T) {
	root := t.TempDir()
	st := openStore(t, root)
	ctx := context.Background()
	dead, err := st.AddText(ctx, "dead", "dead", nil)
	if err != nil {
		t.Fatal(err)
	}
	os.MkdirAll(filepath.Join(root, "nix/var/nix/db"), 0o755)
	os.WriteFile(filepath.Join(root, "nix/var/nix/db/db.sqlite"), nil, 0o644)
	nixPath := st.StoreDir() + "/0000000000000000000000000000000b-nix-owned"
	os.WriteFile(st.RealPath(nixPath), []byte("x"), 0o444)
	res, err := st.GC(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(res.Deleted, " ") != dead {
		t.Errorf("deleted %v, want only %s", res.Deleted, dead)
	}
	if _, err := os.Lstat(st.RealPath(nixPath)); err != nil {
		t.Errorf("Nix's object was deleted: %v", err)
	}
}
