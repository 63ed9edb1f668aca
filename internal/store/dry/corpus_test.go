package dry

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"cairn.dev/cairn/internal/nix/eval"
	"cairn.dev/cairn/internal/store/nixhash"
)

// A corpus case is a Nix expression evaluating to a derivation and the
// same derivation built through the Store the way the evaluator builds
// it. The test compares drvPath, every output path and every .drv file
// with what nix-instantiate computes and writes, and with the golden
// file testdata/corpus.txtar (regenerated from Nix with CAIRN_UPDATE=1).
type corpusCase struct {
	name     string
	storeDir string // default /nix/store
	nix      string // SRC stands for the source tree's directory
	build    func(m mirror, src string) drvResult
}

// prelude starts every expression.
const prelude = `let base = { system = "x86_64-linux"; builder = "/bin/sh"; }; in `

func fodCase(name, mode, algo, encoding string, withAlgo bool) corpusCase {
	a, _ := nixhash.ParseAlgo(algo)
	h := nixhash.Sum(a, []byte("hello\n"))
	var enc string
	switch encoding {
	case "hex":
		enc = h.Hex()
	case "base32":
		enc = h.Base32()
	case "base64":
		enc = h.Base64()
	case "sri":
		enc = h.SRI()
	case "prefixed":
		enc = algo + ":" + h.Base32()
	case "empty":
		enc = ""
	}
	attrs := fmt.Sprintf(`outputHash = %q; outputHashMode = %q;`, enc, mode)
	extra := []attr{{"outputHash", lit(enc)}, {"outputHashMode", lit(mode)}}
	if withAlgo {
		attrs += fmt.Sprintf(` outputHashAlgo = %q;`, algo)
		extra = append(extra, attr{"outputHashAlgo", lit(algo)})
	}
	return corpusCase{
		name: name,
		nix:  prelude + `derivation (base // { name = "` + name + `"; args = ["-c" "fetch"]; ` + attrs + ` })`,
		build: func(m mirror, _ string) drvResult {
			return m.derivation(name, base(extra...), lit("-c"), lit("fetch"))
		},
	}
}

func corpus() []corpusCase {
	cases := []corpusCase{
		{
			name: "simple",
			nix:  prelude + `derivation (base // { name = "simple"; args = ["-c" "echo hi > $out"]; })`,
			build: func(m mirror, _ string) drvResult {
				return m.derivation("simple", base(), lit("-c"), lit("echo hi > $out"))
			},
		},
		{
			name: "escapes",
			nix: prelude + `derivation (base // { name = "escapes"; builder = "/bin/sh\t"; v = "q\"b\\s\nn\tt\rr\${x} é€"; "a\"b" = "k";
				args = ["a\"\n" ""]; empty = ""; })`,
			build: func(m mirror, _ string) drvResult {
				return m.derivation("escapes", []attr{
					{"system", lit("x86_64-linux")}, {"builder", lit("/bin/sh\t")},
					{"v", lit("q\"b\\s\nn\tt\rr${x} é€")}, {"a\"b", lit("k")}, {"empty", lit("")},
				}, lit("a\"\n"), lit(""))
			},
		},
		{
			name: "multi",
			nix:  prelude + `derivation (base // { name = "multi-1.0"; outputs = ["out" "dev" "doc"]; })`,
			build: func(m mirror, _ string) drvResult {
				return m.derivation("multi-1.0", base(attr{"outputs", lit("out dev doc")}))
			},
		},
		{
			name: "multi-first-not-out",
			nix:  prelude + `derivation (base // { name = "lib"; outputs = ["lib" "out" "bin"]; })`,
			build: func(m mirror, _ string) drvResult {
				return m.derivation("lib", base(attr{"outputs", lit("lib out bin")}))
			},
		},
		{
			name: "chain",
			nix: prelude + `let a = derivation (base // { name = "a"; outputs = ["out" "lib"]; });
				b = derivation (base // { name = "b"; dep = a; libs = "${a.lib}/lib"; });
				in derivation (base // { name = "c"; b = b; a = a.out; args = ["-c" "${b}/bin/x"]; })`,
			build: func(m mirror, _ string) drvResult {
				a := m.derivation("a", base(attr{"outputs", lit("out lib")}))
				b := m.derivation("b", base(attr{"dep", a.out("out")}, attr{"libs", cat(a.out("lib"), lit("/lib"))}))
				return m.derivation("c", base(attr{"b", b.out("out")}, attr{"a", a.out("out")}), lit("-c"), cat(b.out("out"), lit("/bin/x")))
			},
		},
		{
			name: "tofile",
			nix: prelude + `let s = builtins.toFile "builder.sh" "echo hi > $out"; r = builtins.toFile "refs" "see ${s}";
				in derivation (base // { name = "tofile"; args = [s]; r = r; })`,
			build: func(m mirror, _ string) drvResult {
				s := m.toFile("builder.sh", lit("echo hi > $out"))
				r := m.toFile("refs", cat(lit("see "), s))
				return m.derivation("tofile", base(attr{"r", r}), s)
			},
		},
		{
			name: "paths",
			nix: prelude + `derivation (base // { name = "paths"; src = SRC/tree;
				named = builtins.path { path = SRC/tree; name = "renamed"; };
				flat = builtins.path { path = SRC/file.txt; recursive = false; };
				filtered = builtins.filterSource (p: t: baseNameOf p != "skip.me" && t != "symlink") SRC/tree;
				file = SRC/file.txt; exe = "${SRC/tree/bin/run}"; })`,
			build: func(m mirror, src string) drvResult {
				tree := filepath.Join(src, "tree")
				file := filepath.Join(src, "file.txt")
				filter := func(p, typ string) (bool, error) { return filepath.Base(p) != "skip.me" && typ != "symlink", nil }
				return m.derivation("paths", base(
					attr{"src", m.path(eval.AddPathRequest{Src: tree, Recursive: true})},
					attr{"named", m.path(eval.AddPathRequest{Src: tree, Name: "renamed", Recursive: true})},
					attr{"flat", m.path(eval.AddPathRequest{Src: file})},
					attr{"filtered", m.path(eval.AddPathRequest{Src: tree, Recursive: true, Filter: filter})},
					attr{"file", m.path(eval.AddPathRequest{Src: file, Recursive: true})},
					attr{"exe", m.path(eval.AddPathRequest{Src: filepath.Join(tree, "bin", "run"), Recursive: true})},
				))
			},
		},
		{
			name: "fod-input",
			nix: prelude + `let f = derivation (base // { name = "src.tar"; outputHash = "` + nixhash.Sum(nixhash.SHA256, []byte("x")).SRI() + `"; args = ["one"]; });
				r = derivation (base // { name = "src"; outputHashMode = "recursive"; outputHashAlgo = "sha256"; outputHash = "` + nixhash.Sum(nixhash.SHA256, []byte("y")).Base32() + `"; });
				in derivation (base // { name = "user"; src = f; tree = "${r}/x"; })`,
			build: func(m mirror, _ string) drvResult {
				f := m.derivation("src.tar", base(attr{"outputHash", lit(nixhash.Sum(nixhash.SHA256, []byte("x")).SRI())}), lit("one"))
				r := m.derivation("src", base(attr{"outputHashMode", lit("recursive")}, attr{"outputHashAlgo", lit("sha256")},
					attr{"outputHash", lit(nixhash.Sum(nixhash.SHA256, []byte("y")).Base32())}))
				return m.derivation("user", base(attr{"src", f.out("out")}, attr{"tree", cat(r.out("out"), lit("/x"))}))
			},
		},
		{
			// Same fixed output fetched differently: the user's output path
			// must not change (its .drv path does).
			name: "fod-input-other-fetch",
			nix: prelude + `let f = derivation (base // { name = "src.tar"; outputHash = "` + nixhash.Sum(nixhash.SHA256, []byte("x")).SRI() + `"; args = ["two"]; });
				r = derivation (base // { name = "src"; outputHashMode = "recursive"; outputHashAlgo = "sha256"; outputHash = "` + nixhash.Sum(nixhash.SHA256, []byte("y")).Base32() + `"; });
				in derivation (base // { name = "user"; src = f; tree = "${r}/x"; })`,
			build: func(m mirror, _ string) drvResult {
				f := m.derivation("src.tar", base(attr{"outputHash", lit(nixhash.Sum(nixhash.SHA256, []byte("x")).SRI())}), lit("two"))
				r := m.derivation("src", base(attr{"outputHashMode", lit("recursive")}, attr{"outputHashAlgo", lit("sha256")},
					attr{"outputHash", lit(nixhash.Sum(nixhash.SHA256, []byte("y")).Base32())}))
				return m.derivation("user", base(attr{"src", f.out("out")}, attr{"tree", cat(r.out("out"), lit("/x"))}))
			},
		},
		{
			name: "drv-reference",
			nix: prelude + `let a = derivation (base // { name = "a"; outputs = ["out" "dev"]; x = builtins.toFile "u" "${builtins.toFile "t" "x"}"; });
				b = derivation (base // { name = "b"; x = a.dev; });
				in derivation (base // { name = "c"; d = b.drvPath; o = a.out; })`,
			build: func(m mirror, _ string) drvResult {
				u := m.toFile("u", m.toFile("t", lit("x")))
				a := m.derivation("a", base(attr{"outputs", lit("out dev")}, attr{"x", u}))
				b := m.derivation("b", base(attr{"x", a.out("dev")}))
				return m.derivation("c", base(attr{"d", b.drv()}, attr{"o", a.out("out")}))
			},
		},
		{
			name:     "other-store-dir",
			storeDir: "/tmp/cairn-test-store",
			nix: prelude + `let t = builtins.toFile "t" "x"; a = derivation (base // { name = "a"; outputs = ["out" "dev"]; t = t; });
				f = derivation (base // { name = "f"; outputHash = "` + nixhash.Sum(nixhash.SHA1, nil).Hex() + `"; outputHashAlgo = "sha1"; outputHashMode = "recursive"; });
				in derivation (base // { name = "b"; a = a.dev; f = f; src = SRC/tree; })`,
			build: func(m mirror, src string) drvResult {
				t := m.toFile("t", lit("x"))
				a := m.derivation("a", base(attr{"outputs", lit("out dev")}, attr{"t", t}))
				f := m.derivation("f", base(attr{"outputHash", lit(nixhash.Sum(nixhash.SHA1, nil).Hex())}, attr{"outputHashAlgo", lit("sha1")}, attr{"outputHashMode", lit("recursive")}))
				return m.derivation("b", base(attr{"a", a.out("dev")}, attr{"f", f.out("out")},
					attr{"src", m.path(eval.AddPathRequest{Src: filepath.Join(src, "tree"), Recursive: true})}))
			},
		},
	}
	for _, mode := range []string{"flat", "recursive"} {
		for _, algo := range []string{"md5", "sha1", "sha256", "sha512"} {
			for _, enc := range []string{"hex", "base32", "base64", "sri", "prefixed"} {
				withAlgo := enc != "sri" && enc != "prefixed"
				cases = append(cases, fodCase(fmt.Sprintf("fod-%s-%s-%s", mode, algo, enc), mode, algo, enc, withAlgo))
			}
		}
	}
	cases = append(cases,
		fodCase("fod-sri-with-algo", "flat", "sha256", "sri", true),
		fodCase("fod-prefixed-with-algo", "recursive", "sha512", "prefixed", true),
		fodCase("fod-empty-hash", "recursive", "sha256", "empty", true),
	)
	return cases
}

// makeSources writes the files the corpus adds to the store.
func makeSources(t *testing.T) string {
	src := t.TempDir()
	files := map[string]string{
		"file.txt":       "a file\n",
		"tree/a.txt":     "a\n",
		"tree/bin/run":   "#!/bin/sh\necho run\n",
		"tree/skip.me":   "skipped by the filter\n",
		"tree/sub/empty": "",
	}
	for name, data := range files {
		p := filepath.Join(src, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Chmod(filepath.Join(src, "tree/bin/run"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(src, "tree/emptydir"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("a.txt", filepath.Join(src, "tree/link")); err != nil {
		t.Fatal(err)
	}
	return src
}

// result is what the corpus compares: the paths of the top derivation
// and the ATerm of every .drv involved.
type result struct {
	DrvPath string            `json:"drvPath"`
	Outputs map[string]string `json:"outputs"`
	Drvs    map[string]string `json:"drvs,omitempty"` // base name -> ATerm
}

func (r result) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "drvPath %s\n", r.DrvPath)
	for _, o := range sortedKeysOf(r.Outputs) {
		fmt.Fprintf(&b, "output %s %s\n", o, r.Outputs[o])
	}
	for _, d := range sortedKeysOf(r.Drvs) {
		fmt.Fprintf(&b, "drv %s\n%s\n", d, r.Drvs[d])
	}
	return b.String()
}

func sortedKeysOf(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// runNix evaluates a case with nix-instantiate into a temporary chroot
// store and reads back the .drv files Nix wrote.
func runNix(t *testing.T, c corpusCase, src string) result {
	t.Helper()
	root := t.TempDir()
	storeURI := root
	if c.storeDir != "" {
		storeURI = "local?root=" + root + "&store=" + c.storeDir
	}
	expr := `let d = (` + strings.ReplaceAll(c.nix, "SRC", src) + `); in { drvPath = d.drvPath; outputs = builtins.listToAttrs (map (o: { name = o; value = d.${o}.outPath; }) (d.outputs or ["out"])); }`
	cmd := exec.Command("nix-instantiate", "--store", storeURI, "--read-write-mode", "--eval", "--strict", "--json", "-E", expr)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("nix-instantiate: %v\n%s", err, stderr.String())
	}
	var r result
	if err := json.Unmarshal(out, &r); err != nil {
		t.Fatal(err)
	}
	r.Drvs = map[string]string{}
	ents, err := os.ReadDir(filepath.Join(root, "nix/store"))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		if strings.HasSuffix(e.Name(), ".drv") {
			b, err := os.ReadFile(filepath.Join(root, "nix/store", e.Name()))
			if err != nil {
				t.Fatal(err)
			}
			r.Drvs[e.Name()] = string(b)
		}
	}
	return r
}

func runCairn(t *testing.T, c corpusCase, src string) result {
	t.Helper()
	s := New(c.storeDir)
	d := c.build(mirror{t: t, s: s}, src)
	r := result{DrvPath: d.drvPath, Outputs: d.outs, Drvs: map[string]string{}}
	for p, drv := range s.drvs {
		r.Drvs[filepath.Base(p)] = string(drv.ATerm())
	}
	return r
}

func TestCorpus(t *testing.T) {
	src := makeSources(t)
	golden := filepath.Join("testdata", "corpus.txtar")
	want := map[string]string{}
	if data, err := os.ReadFile(golden); err == nil {
		want = parseTxtar(string(data))
	}
	_, haveNix := exec.LookPath("nix-instantiate")
	update := os.Getenv("CAIRN_UPDATE") == "1"
	if update && haveNix != nil {
		t.Fatal("CAIRN_UPDATE=1 needs nix-instantiate")
	}
	got := map[string]string{}
	var names []string
	for _, c := range corpus() {
		names = append(names, c.name)
		t.Run(c.name, func(t *testing.T) {
			mine := runCairn(t, c, src).String()
			got[c.name] = mine
			if haveNix == nil {
				nix := runNix(t, c, src).String()
				if nix != mine {
					t.Errorf("cairn and nix-instantiate differ:\n--- cairn\n%s--- nix\n%s", mine, nix)
				}
				if !update && want[c.name] != nix {
					t.Errorf("testdata/corpus.txtar is stale for %s (run with CAIRN_UPDATE=1)", c.name)
				}
			} else if want[c.name] != mine {
				t.Errorf("cairn differs from the golden file:\n--- cairn\n%s--- golden\n%s", mine, want[c.name])
			}
		})
	}
	if update {
		var b strings.Builder
		b.WriteString("Store paths and .drv files of the derivation corpus, as nix-instantiate 2.8\ncomputes and writes them. Regenerate with CAIRN_UPDATE=1 go test.\n")
		for _, n := range names {
			fmt.Fprintf(&b, "-- %s --\n%s", n, got[n])
		}
		if err := os.WriteFile(golden, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// parseTxtar splits a txtar archive into its files.
func parseTxtar(s string) map[string]string {
	files := map[string]string{}
	name := ""
	var cur *strings.Builder
	for _, line := range strings.SplitAfter(s, "\n") {
		if strings.HasPrefix(line, "-- ") && strings.HasSuffix(line, " --\n") {
			if cur != nil {
				files[name] = cur.String()
			}
			name = strings.TrimSuffix(strings.TrimPrefix(line, "-- "), " --\n")
			cur = &strings.Builder{}
			continue
		}
		if cur != nil {
			cur.WriteString(line)
		}
	}
	if cur != nil {
		files[name] = cur.String()
	}
	return files
}

// TestFixedOutputIndependence checks the point of hashing modulo: the
// same fixed output fetched two ways gives the user the same output path.
func TestFixedOutputIndependence(t *testing.T) {
	src := makeSources(t)
	var outs []string
	var drvs []string
	for _, c := range corpus() {
		if c.name == "fod-input" || c.name == "fod-input-other-fetch" {
			r := runCairn(t, c, src)
			outs = append(outs, r.Outputs["out"])
			drvs = append(drvs, r.DrvPath)
		}
	}
	if len(outs) != 2 || outs[0] != outs[1] || drvs[0] == drvs[1] {
		t.Errorf("outputs %v (want equal), drvs %v (want different)", outs, drvs)
	}
}
