package build

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"cairn.dev/cairn/internal/build/builtin"
	"cairn.dev/cairn/internal/build/sandbox"
	"cairn.dev/cairn/internal/nix/eval"
	"cairn.dev/cairn/internal/store/binarycache"
	"cairn.dev/cairn/internal/store/local"
	"cairn.dev/cairn/internal/store/narinfo"
)

func TestMain(m *testing.M) {
	sandbox.InitBuiltins(builtin.Sandboxed) // the sandbox re-executes the test binary as its init
	if os.Getenv("CAIRN_TEST_BUILD_CHILD") != "" {
		os.Exit(buildChild())
	}
	os.Exit(m.Run())
}

// buildChild realises one derivation in a store: the process that
// TestKilledBuild kills in the middle of a build.
func buildChild() int {
	ctx := context.Background()
	st, err := local.Open(ctx, local.Options{Root: os.Getenv("CAIRN_TEST_ROOT")})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	b, err := New(Options{Store: st})
	if err == nil {
		_, err = b.Realise(ctx, []string{os.Getenv("CAIRN_TEST_DRV")})
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

func needRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("builds need root (namespaces, build users)")
	}
}

func openStore(t *testing.T, root string) *local.Store {
	t.Helper()
	st, err := local.Open(context.Background(), local.Options{Root: root})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// instantiate evaluates expr (in dir) against st and returns the .drv
// paths of the derivations in the resulting set or list, by name.
func instantiate(t *testing.T, st *local.Store, dir, expr string) map[string]string {
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
	set, ok := v.(*eval.Attrs)
	if !ok {
		t.Fatalf("expression gives %T, not a set", v)
	}
	out := map[string]string{}
	for _, a := range set.List {
		dv, err := ev.Force(a.Value)
		if err != nil {
			t.Fatal(err)
		}
		attr, _ := dv.(*eval.Attrs).Get("drvPath")
		p, err := ev.Force(attr.Value)
		if err != nil {
			t.Fatal(err)
		}
		out[a.Name] = p.(*eval.String).S
	}
	return out
}

func newBuilder(t *testing.T, opts Options) *Builder {
	t.Helper()
	b, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

const sh = `builder = "/bin/sh"; system = "x86_64-linux";`

// chain is a derivation chain with a diamond, multiple outputs, a
// toFile input and a source path, each builder a /bin/sh -c script
// writing files that refer to its inputs.
const chain = `let
  src = ./input.txt;
  note = builtins.toFile "note" "a note";
  a = derivation { name = "a"; ` + sh + ` args = [ "-c" "read x < ${src}; echo $x ${note} > $out" ]; };
  b = derivation { name = "b"; ` + sh + ` args = [ "-c" "echo ${a} > $out; echo $out >> $out" ]; };
  b2 = derivation { name = "b2"; ` + sh + ` args = [ "-c" "echo unrelated > $out" ]; dep = a; };
  c = derivation { name = "c"; ` + sh + ` outputs = [ "out" "dev" ];
    args = [ "-c" "read x < ${b}; echo $x ${b} ${b2} $dev > $out; echo dev > $dev" ]; };
in { inherit a b b2 c; }
`

func writeChain(t *testing.T) string {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "input.txt"), []byte("from-a-source\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "chain.nix"), []byte(chain), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestChainAgainstNix builds the chain with cairn and with nix-build in
// a chroot store with the same sandbox paths, and compares the output
// paths, their NAR hashes and their references.
func TestChainAgainstNix(t *testing.T) {
	needRoot(t)
	dir := writeChain(t)
	st := openStore(t, t.TempDir())
	drvs := instantiate(t, st, dir, chain)
	b := newBuilder(t, Options{Store: st, Jobs: 2})
	res, err := b.Realise(context.Background(), []string{drvs["c"], drvs["b2"]})
	if err != nil {
		t.Fatal(err)
	}
	closure, err := st.Closure([]string{res[drvs["c"]]["out"]})
	if err != nil {
		t.Fatal(err)
	}
	// The closure: c refers to b, b2, c-dev; b to a and itself; a to the
	// toFile note (the source was only read).
	if len(closure) != 6 {
		t.Errorf("closure of c has %d paths, want 6: %v", len(closure), closure)
	}
	if probs, err := st.Verify(context.Background(), true); err != nil || len(probs) > 0 {
		t.Errorf("verify: %v %v", probs, err)
	}
	if _, err := exec.LookPath("nix-build"); err != nil {
		t.Skip("nix-build not installed")
	}
	paths, err := sandbox.DefaultPaths()
	if err != nil {
		t.Fatal(err)
	}
	var sp []string
	for target, source := range paths {
		sp = append(sp, target+"="+source)
	}
	sort.Strings(sp)
	nixRoot := t.TempDir()
	cmd := exec.Command("nix-build", "--store", nixRoot, "--no-out-link",
		"--option", "sandbox", "true", "--option", "sandbox-paths", strings.Join(sp, " "),
		"--option", "substituters", "", filepath.Join(dir, "chain.nix"), "-A", "c", "-A", "b2")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("nix-build: %v\n%s", err, stderr.String())
	}
	want := []string{res[drvs["c"]]["out"], res[drvs["b2"]]["out"]}
	if got := strings.Fields(string(out)); !containsAll(got, want) {
		t.Errorf("nix-build printed %v, cairn built %v", got, want)
	}
	for _, p := range closure {
		info, err := st.QueryPathInfo(p)
		if err != nil {
			t.Fatal(err)
		}
		hash := nixQuery(t, nixRoot, "--hash", p)
		if hash != info.NarHash.String() {
			t.Errorf("%s: NAR hash %s, Nix %s", p, info.NarHash, hash)
		}
		refs := strings.Fields(nixQuery(t, nixRoot, "--references", p))
		sort.Strings(refs)
		if strings.Join(refs, " ") != strings.Join(info.References, " ") {
			t.Errorf("%s: references\n  cairn %v\n  Nix   %v", p, info.References, refs)
		}
	}
}

func containsAll(have, want []string) bool {
	m := map[string]bool{}
	for _, h := range have {
		m[h] = true
	}
	for _, w := range want {
		if !m[w] {
			return false
		}
	}
	return true
}

func nixQuery(t *testing.T, root, what, path string) string {
	t.Helper()
	out, err := exec.Command("nix-store", "--store", root, "-q", what, path).Output()
	if err != nil {
		t.Fatalf("nix-store -q %s %s: %v", what, path, err)
	}
	return strings.TrimSpace(string(out))
}

// TestFailedBuild: a failing builder registers nothing, its log is kept
// and found by output path, and the error says how it failed.
func TestFailedBuild(t *testing.T) {
	needRoot(t)
	st := openStore(t, t.TempDir())
	drvs := instantiate(t, st, t.TempDir(), `{ f = derivation { name = "f"; `+sh+` args = [ "-c" "echo partial > $out; echo something went wrong; exit 3" ]; }; }`)
	d, _ := st.ReadDerivation(drvs["f"])
	out := d.Outputs["out"].Path
	_, err := newBuilder(t, Options{Store: st}).Realise(context.Background(), []string{drvs["f"]})
	var be *Error
	if !errors.As(err, &be) {
		t.Fatalf("got %v, want a build error", err)
	}
	for _, want := range []string{"exit", "3", "something went wrong"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
	if ok, _ := st.IsValid(out); ok {
		t.Errorf("%s registered after a failed build", out)
	}
	if _, err := os.Lstat(st.RealPath(out)); err == nil {
		t.Errorf("%s exists after a failed build", out)
	}
	lp, err := st.FindLog(out)
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(lp); !strings.Contains(string(b), "something went wrong") {
		t.Errorf("log %s: %q", lp, b)
	}
}

// TestFixedOutput checks flat and recursive fixed-output derivations with
// several algorithms, and that a mismatch is an error that registers
// nothing.
func TestFixedOutput(t *testing.T) {
	needRoot(t)
	st := openStore(t, t.TempDir())
	// "hello" has sha256 2cf24d... and sha1 aaf4c6...; the sha512 of the
	// NAR of a file holding it is what nix-hash --type sha512 prints.
	drvs := instantiate(t, st, t.TempDir(), `{
  flat = derivation { name = "flat"; `+sh+` args = [ "-c" "printf hello > $out" ];
    outputHashMode = "flat"; outputHashAlgo = "sha256";
    outputHash = "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"; };
  sha1 = derivation { name = "sha1"; `+sh+` args = [ "-c" "printf hello > $out" ];
    outputHashAlgo = "sha1"; outputHash = "aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d"; };
  recursive = derivation { name = "recursive"; `+sh+` args = [ "-c" "printf hello > $out" ];
    outputHashMode = "recursive"; outputHashAlgo = "sha512";
    outputHash = "21h4z9pi1hsg8dqdz1v12fc27kmkmibrw4bw8ddjfmafdpbvp2cp8k9153n6mfi655ajmp7dh5z1i1iaj72b7nrvnc53271zlj286qd"; };
  bad = derivation { name = "bad"; `+sh+` args = [ "-c" "printf goodbye > $out" ];
    outputHashAlgo = "sha256";
    outputHash = "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"; };
}`)
	b := newBuilder(t, Options{Store: st, Jobs: 2})
	for _, name := range []string{"flat", "sha1", "recursive"} {
		res, err := b.Realise(context.Background(), []string{drvs[name]})
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		info, err := st.QueryPathInfo(res[drvs[name]]["out"])
		if err != nil {
			t.Fatal(err)
		}
		if info.CA == "" {
			t.Errorf("%s: no content address recorded", name)
		}
	}
	d, _ := st.ReadDerivation(drvs["bad"])
	out := d.Outputs["out"].Path
	_, err := b.Realise(context.Background(), []string{drvs["bad"]})
	if err == nil {
		t.Fatal("a fixed-output derivation with the wrong hash built")
	}
	for _, want := range []string{"hash mismatch in fixed-output derivation '" + out + "'", "specified: sha256-LPJNul+wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmCQ=", "got:       sha256-"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not contain %q", err, want)
		}
	}
	if ok, _ := st.IsValid(out); ok {
		t.Error("output of a mismatching fixed-output derivation registered")
	}
	if _, err := os.Lstat(st.RealPath(out)); err == nil {
		t.Error("output of a mismatching fixed-output derivation left in the store")
	}
}

// TestSubstituteBeforeBuild: a builder configured with a cache that has
// the outputs copies them instead of building; the copies carry the
// cache's signature.
func TestSubstituteBeforeBuild(t *testing.T) {
	needRoot(t)
	dir := writeChain(t)
	a := openStore(t, t.TempDir())
	drvs := instantiate(t, a, dir, chain)
	if _, err := newBuilder(t, Options{Store: a}).Realise(context.Background(), []string{drvs["c"]}); err != nil {
		t.Fatal(err)
	}
	sk, pk, err := narinfo.GenerateKey("test-1", bytes.NewReader(make([]byte, 64)))
	if err != nil {
		t.Fatal(err)
	}
	cache, err := binarycache.Open("file://"+t.TempDir(), a.StoreDir(), "zstd")
	if err != nil {
		t.Fatal(err)
	}
	d, _ := a.ReadDerivation(drvs["c"])
	var outs []string
	for _, o := range d.Outputs {
		outs = append(outs, o.Path)
	}
	if _, err := cache.Put(context.Background(), a, outs, &sk); err != nil {
		t.Fatal(err)
	}
	bst := openStore(t, t.TempDir())
	drvs2 := instantiate(t, bst, dir, chain)
	var progress bytes.Buffer
	bl := newBuilder(t, Options{Store: bst, Substituters: []Substituter{{Cache: cache, Trusted: []narinfo.PublicKey{pk}}}, Progress: &progress})
	if _, err := bl.Realise(context.Background(), []string{drvs2["c"]}); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(progress.String(), "building") {
		t.Errorf("built although the cache had the outputs:\n%s", progress.String())
	}
	for _, p := range outs {
		info, err := bst.QueryPathInfo(p)
		if err != nil {
			t.Fatal(err)
		}
		if len(info.Sigs) != 1 || !strings.HasPrefix(info.Sigs[0], "test-1:") {
			t.Errorf("%s: signatures %v", p, info.Sigs)
		}
	}
}

// TestKilledBuild kills a cairn process (SIGKILL) while its builder runs:
// afterwards nothing is registered, the store verifies and the same build
// succeeds.
func TestKilledBuild(t *testing.T) {
	needRoot(t)
	root := t.TempDir()
	st := openStore(t, root)
	drvs := instantiate(t, st, t.TempDir(), `{ slow = derivation { name = "slow"; `+sh+`
  args = [ "-c" "echo started; echo partial > $out; i=0; while [ $i -lt 1000000 ]; do i=$((i+1)); done; echo done >> $out" ]; }; }`)
	drv := drvs["slow"]
	d, _ := st.ReadDerivation(drv)
	out := d.Outputs["out"].Path
	st.Close()

	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe)
	cmd.Env = append(os.Environ(), "CAIRN_TEST_BUILD_CHILD=1", "CAIRN_TEST_ROOT="+root, "CAIRN_TEST_DRV="+drv)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	logPath := filepath.Join(root, "nix/var/log/cairn/drvs", filepath.Base(drv)[:2], filepath.Base(drv)[2:]+".log")
	deadline := time.Now().Add(30 * time.Second)
	for {
		if b, _ := os.ReadFile(logPath); bytes.Contains(b, []byte("started")) {
			break
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			cmd.Wait()
			t.Fatal("the build did not start")
		}
		time.Sleep(5 * time.Millisecond)
	}
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()

	st = openStore(t, root)
	if ok, _ := st.IsValid(out); ok {
		t.Fatal("output registered after the build was killed")
	}
	if probs, err := st.Verify(context.Background(), true); err != nil || len(probs) > 0 {
		t.Fatalf("verify after the kill: %v %v", probs, err)
	}
	if _, err := newBuilder(t, Options{Store: st}).Realise(context.Background(), []string{drv}); err != nil {
		t.Fatalf("retrying: %v", err)
	}
	b, err := os.ReadFile(st.RealPath(out))
	if err != nil || string(b) != "partial\ndone\n" {
		t.Errorf("output after the retry: %q %v", b, err)
	}
	if probs, err := st.Verify(context.Background(), true); err != nil || len(probs) > 0 {
		t.Fatalf("verify after the retry: %v %v", probs, err)
	}
}

// TestAlreadyValid: realising again builds nothing.
func TestAlreadyValid(t *testing.T) {
	needRoot(t)
	dir := writeChain(t)
	st := openStore(t, t.TempDir())
	drvs := instantiate(t, st, dir, chain)
	if _, err := newBuilder(t, Options{Store: st, Jobs: 2}).Realise(context.Background(), []string{drvs["c"]}); err != nil {
		t.Fatal(err)
	}
	var progress bytes.Buffer
	if _, err := newBuilder(t, Options{Store: st, Progress: &progress}).Realise(context.Background(), []string{drvs["c"]}); err != nil {
		t.Fatal(err)
	}
	if progress.Len() > 0 {
		t.Errorf("realising valid outputs did something:\n%s", progress.String())
	}
}

// attrsProbe prints the shell variables and both attribute files into the
// output named in .attrs.sh (dash cannot source it).
const attrsProbe = `p() { while IFS= read -r l || [ -n "$l" ]; do printf '%s\n' "$l"; done < "$1"; }
while IFS= read -r l; do case "$l" in "declare -A outputs="*) o=${l#*\]=\'}; o=${o%%\'*};; esac; done < .attrs.sh
{ set; echo ---sh; p .attrs.sh; echo; echo ---json; p .attrs.json; } > "$o"
`

const attrsDrv = `derivation {
  name = "structured"; system = "x86_64-linux"; builder = "/bin/sh";
  args = [ "-c" (builtins.readFile ./probe.sh) ];
  __structuredAttrs = true;
  str = "it's \"quoted\" <&> \\ $HOME"; int = 123456789; neg = -7; float = 1.5; whole = 2.0;
  yes = true; no = false; nothing = null;
  list = [ "a" 1 true null ]; nested = [ [ "x" ] ]; set = { k = "v"; "odd key" = 3; };
  deep = { a = { b = 1; }; }; "not-a-name" = "skipped"; unicode = "é ✓";
}
`

// TestStructuredAttrs builds a derivation with structured attributes and
// compares the environment, .attrs.sh and .attrs.json its builder sees
// with what nix-build gives the same derivation.
func TestStructuredAttrs(t *testing.T) {
	needRoot(t)
	if _, err := exec.LookPath("nix-build"); err != nil {
		t.Skip("nix-build not installed")
	}
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "probe.sh"), []byte(attrsProbe), 0o644)
	os.WriteFile(filepath.Join(dir, "default.nix"), []byte(attrsDrv), 0o644)
	st := openStore(t, t.TempDir())
	drvs := instantiate(t, st, dir, "{ s = import ./default.nix; }")
	res, err := newBuilder(t, Options{Store: st}).Realise(context.Background(), []string{drvs["s"]})
	if err != nil {
		t.Fatal(err)
	}
	out := res[drvs["s"]]["out"]
	got, err := os.ReadFile(st.RealPath(out))
	if err != nil {
		t.Fatal(err)
	}
	paths, err := sandbox.DefaultPaths()
	if err != nil {
		t.Fatal(err)
	}
	var sp []string
	for target, source := range paths {
		sp = append(sp, target+"="+source)
	}
	sort.Strings(sp)
	nixRoot := t.TempDir()
	cmd := exec.Command("nix-build", "--store", nixRoot, "--no-out-link",
		"--option", "sandbox", "true", "--option", "sandbox-paths", strings.Join(sp, " "),
		"--option", "substituters", "", filepath.Join(dir, "default.nix"))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	nixOut, err := cmd.Output()
	if err != nil {
		t.Fatalf("nix-build: %v\n%s", err, stderr.String())
	}
	if p := strings.TrimSpace(string(nixOut)); p != out {
		t.Fatalf("nix-build built %s, cairn %s", p, out)
	}
	want, err := os.ReadFile(filepath.Join(nixRoot, out))
	if err != nil {
		t.Fatal(err)
	}
	// Nix 2.8 names the files in its build folder on the host.
	want = regexp.MustCompile(`/tmp/nix-build-structured.drv-\d+/`).ReplaceAll(want, []byte("/build/"))
	if !bytes.Equal(got, want) {
		t.Errorf("the builder saw\n%s\nunder Nix\n%s", got, want)
	}
}

// TestBuiltinFiles builds a builtin:cairn-files derivation (made in Go by
// the sandbox's init) that links to a sandboxed build's output; its
// references are scanned as for any build.
func TestBuiltinFiles(t *testing.T) {
	needRoot(t)
	st := openStore(t, t.TempDir())
	drvs := instantiate(t, st, t.TempDir(), `let
  dep = derivation { name = "dep"; `+sh+` args = [ "-c" "echo dep > $out" ]; };
in { files = derivation { name = "files"; system = "builtin"; builder = "builtin:cairn-files";
  entries = builtins.toJSON [
    { type = "directory"; path = ""; }
    { type = "file"; path = "hello"; text = "hi\n"; executable = true; }
    { type = "symlink"; path = "dep"; target = "${dep}"; }
  ]; }; }`)
	res, err := newBuilder(t, Options{Store: st}).Realise(context.Background(), []string{drvs["files"]})
	if err != nil {
		t.Fatal(err)
	}
	out := res[drvs["files"]]["out"]
	if b, err := os.ReadFile(filepath.Join(st.RealPath(out), "hello")); err != nil || string(b) != "hi\n" {
		t.Errorf("hello: %q %v", b, err)
	}
	info, err := st.QueryPathInfo(out)
	if err != nil {
		t.Fatal(err)
	}
	if len(info.References) != 1 || !strings.HasSuffix(info.References[0], "-dep") {
		t.Errorf("references %v, want the dep", info.References)
	}
	if probs, err := st.Verify(context.Background(), true); err != nil || len(probs) > 0 {
		t.Errorf("verify: %v %v", probs, err)
	}
}
