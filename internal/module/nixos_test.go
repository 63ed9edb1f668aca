package module_test

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"cairn.dev/cairn/internal/cli"
	"cairn.dev/cairn/internal/module"
	"cairn.dev/cairn/internal/service/unit"
	"cairn.dev/cairn/internal/system"
	"github.com/rogpeppe/go-internal/txtar"
)

// systemExpr evaluates configuration.nix with <cairn/nixos>: the
// generation.json text, the unit files and the toplevel's paths (which
// checks the assertions and prints the warnings).
const systemExpr = `let s = import <cairn/nixos> { configuration = ./configuration.nix; }; in {
  generation = s.config.system.build.generationJSON;
  units = builtins.mapAttrs (n: u: u.text) s.config.systemd.units;
  toplevelDrv = s.toplevel.drvPath;
  toplevelOut = s.toplevel.outPath;
}`

// evalIn runs `cairn eval ARGS...` in dir.
func evalIn(t *testing.T, dir string, args ...string) (stdout, stderr string, ok bool) {
	t.Helper()
	var out, errb bytes.Buffer
	env := &cli.Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb, Getenv: func(string) string { return "" }, Dir: dir}
	code := cli.Run(t.Context(), env, append([]string{"eval"}, args...))
	return out.String(), errb.String(), code == 0
}

// writeInputs writes the archive's input files (all but the outputs) to dir.
func writeInputs(t *testing.T, ar *txtar.Archive, dir string) {
	t.Helper()
	for _, f := range ar.Files {
		if isOutput(f.Name) {
			continue
		}
		p := filepath.Join(dir, f.Name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, f.Data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func isOutput(name string) bool {
	return name == "generation.json" || name == "err" || name == "stderr" ||
		strings.HasPrefix(name, "units/") || strings.HasPrefix(name, "eval ")
}

// TestNixOSConfigurations evaluates each nixos/testdata/*.txtar
// (configuration.nix and the files it reads) with <cairn/nixos> and
// compares: generation.json (indented), every unit file (units/NAME),
// the warnings (stderr), and the value of each `eval EXPR` section
// (`cairn eval --strict` of EXPR, where `config`, `options` and `pkgs`
// are the configuration's, or its error), or, when the evaluation fails, the error
// (err). Every generation.json must be accepted by system.ParseGeneration
// and every unit file by unit.Parse. CAIRN_UPDATE=1 rewrites the outputs.
func TestNixOSConfigurations(t *testing.T) {
	files, err := filepath.Glob("nixos/testdata/*.txtar")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no cases in nixos/testdata")
	}
	update := os.Getenv("CAIRN_UPDATE") == "1"
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".txtar"), func(t *testing.T) {
			ar, err := txtar.ParseFile(file)
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			writeInputs(t, ar, dir)
			got := map[string]string{}
			stdout, stderr, ok := evalIn(t, dir, "--strict", "--json", "-E", systemExpr)
			if !ok {
				got["err"] = normaliseNixOS(stderr, dir)
			} else {
				if stderr != "" {
					got["stderr"] = normaliseNixOS(stderr, dir)
				}
				var res struct {
					Generation string
					Units      map[string]string
				}
				if err := json.Unmarshal([]byte(stdout), &res); err != nil {
					t.Fatalf("decoding %s: %v", stdout, err)
				}
				if _, err := system.ParseGeneration([]byte(res.Generation)); err != nil {
					t.Errorf("generation.json is not accepted by activation: %v\n%s", err, res.Generation)
				}
				var ind bytes.Buffer
				if err := json.Indent(&ind, []byte(res.Generation), "", "  "); err != nil {
					t.Fatal(err)
				}
				got["generation.json"] = ind.String()
				for name, text := range res.Units {
					if _, err := unit.Parse(name, []byte(text)); err != nil {
						t.Errorf("unit %s does not parse: %v\n%s", name, err, text)
					}
					got["units/"+name] = text
				}
			}
			for _, f := range ar.Files {
				expr, isEval := strings.CutPrefix(f.Name, "eval ")
				if !isEval {
					continue
				}
				src := "let s = import <cairn/nixos> { configuration = ./configuration.nix; }; inherit (s) config options pkgs; in " + expr
				out, errs, ok := evalIn(t, dir, "--strict", "-E", src)
				if !ok {
					out = normaliseNixOS(errs, dir)
				}
				got[f.Name] = out
			}
			compare(t, file, ar, got, update)
		})
	}
}

// compare checks the archive's output sections against got, or rewrites
// them (keeping the inputs and the eval sections' order).
func compare(t *testing.T, file string, ar *txtar.Archive, got map[string]string, update bool) {
	t.Helper()
	if update {
		var files []txtar.File
		for _, f := range ar.Files {
			if !isOutput(f.Name) || strings.HasPrefix(f.Name, "eval ") {
				if g, ok := got[f.Name]; ok {
					f.Data = []byte(g)
				}
				files = append(files, f)
			}
		}
		var names []string
		for name := range got {
			if !strings.HasPrefix(name, "eval ") {
				names = append(names, name)
			}
		}
		sort.Strings(names)
		for _, name := range names {
			files = append(files, txtar.File{Name: name, Data: []byte(got[name])})
		}
		ar.Files = files
		if err := os.WriteFile(file, txtar.Format(ar), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want := map[string]string{}
	for _, f := range ar.Files {
		if isOutput(f.Name) {
			want[f.Name] = string(f.Data)
		}
	}
	for name, g := range got {
		if w, ok := want[name]; !ok {
			t.Errorf("%s: not in the archive (run with CAIRN_UPDATE=1); got:\n%s", name, g)
		} else if w != g {
			t.Errorf("%s differs\n--- got\n%s\n--- want\n%s", name, g, w)
		}
	}
	for name := range want {
		if _, ok := got[name]; !ok {
			t.Errorf("%s: in the archive but not produced", name)
		}
	}
}

// normaliseNixOS is normalise, also leaving out code frames into cairn's
// modules and package set.
func normaliseNixOS(stderr, dir string) string {
	var out []string
	lines := strings.Split(strings.ReplaceAll(stderr, dir, "$DIR"), "\n")
	for i := 0; i < len(lines); i++ {
		if !strings.HasPrefix(strings.TrimSpace(lines[i]), "at /__cairn/") {
			out = append(out, lines[i])
			continue
		}
		for i+1 < len(lines) && (strings.TrimSpace(lines[i+1]) == "" || frameLine.MatchString(lines[i+1])) {
			i++
		}
	}
	return strings.TrimRight(strings.Join(out, "\n"), "\n") + "\n"
}

// TestToplevelReproducible evaluates the toplevel of each successful case
// in two different folders: the derivation and output paths must be the
// same. Where real Nix is installed, nix-instantiate must give the same
// derivation path (cairn's modules run unchanged under Nix).
func TestToplevelReproducible(t *testing.T) {
	files, err := filepath.Glob("nixos/testdata/*.txtar")
	if err != nil {
		t.Fatal(err)
	}
	const expr = `let t = (import <cairn/nixos> { configuration = ./configuration.nix; }).toplevel; in t.drvPath + " " + t.outPath`
	nix, _ := exec.LookPath("nix-instantiate")
	moduleDir, err := filepath.Abs(".")
	if err != nil {
		t.Fatal(err)
	}
	for _, file := range files {
		ar, err := txtar.ParseFile(file)
		if err != nil {
			t.Fatal(err)
		}
		if hasSection(ar, "err") {
			continue
		}
		t.Run(strings.TrimSuffix(filepath.Base(file), ".txtar"), func(t *testing.T) {
			var paths []string
			for i := 0; i < 2; i++ {
				dir := filepath.Join(t.TempDir(), strings.Repeat("x", i+1))
				writeInputs(t, ar, dir)
				out, errs, ok := evalIn(t, dir, "-E", expr)
				if !ok {
					t.Fatal(errs)
				}
				paths = append(paths, out)
				if i == 0 && nix != "" {
					cmd := exec.CommandContext(t.Context(), nix, "--eval", "-I", "cairn="+moduleDir, "-E", expr)
					cmd.Dir = dir
					cmd.Env = append(os.Environ(), "NIX_PATH=")
					nixOut, err := cmd.Output()
					if err != nil {
						t.Fatalf("nix-instantiate: %v", err)
					}
					if string(nixOut) != out {
						t.Errorf("nix-instantiate gives %s, cairn %s", nixOut, out)
					}
				}
			}
			if paths[0] != paths[1] {
				t.Errorf("two folders give different toplevels:\n%s%s", paths[0], paths[1])
			}
		})
	}
}

func hasSection(ar *txtar.Archive, name string) bool {
	for _, f := range ar.Files {
		if f.Name == name {
			return true
		}
	}
	return false
}

// TestSystemExpr evaluates module.SystemExpr: the platform, the cairn
// version and the revision reach generation.json and cairn-version; a
// revision the configuration sets wins over the one given; a file name
// with quotes and ${ stays a name.
func TestSystemExpr(t *testing.T) {
	dir := t.TempDir()
	sub := filepath.Join(dir, `a "b" ${c}`)
	if err := os.MkdirAll(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	write := func(name, src string) string {
		p := filepath.Join(sub, name)
		if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	plain := write("plain.nix", "{ }")
	pinned := write("pinned.nix", `{ system.configurationRevision = "1111111111111111111111111111111111111111"; }`)
	rev := strings.Repeat("ab", 20)
	for _, c := range []struct {
		file string
		opts module.SystemOptions
		want string
	}{
		{plain, module.SystemOptions{}, `"x86_64-linux" null "unknown"`},
		{plain, module.SystemOptions{System: "aarch64-linux", CairnVersion: "1.2.3", Revision: rev, Dirty: true},
			`"aarch64-linux" { dirty = true; rev = "` + rev + `"; } "1.2.3"`},
		{pinned, module.SystemOptions{Revision: rev},
			`"x86_64-linux" { dirty = false; rev = "1111111111111111111111111111111111111111"; } "unknown"`},
	} {
		expr := "let s = " + module.SystemExpr(c.file, c.opts) + "; in [ s.config.system.generation.system s.config.system.generation.configurationRevision s.config.system.cairnVersion ]"
		out, errs, ok := evalIn(t, dir, "--strict", "-E", expr)
		if !ok {
			t.Fatalf("%s: %s", expr, errs)
		}
		if want := "[ " + c.want + " ]\n"; out != want {
			t.Errorf("%+v: got %s, want %s", c.opts, out, want)
		}
	}
}
