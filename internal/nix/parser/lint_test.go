package parser

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"

	"cairn.dev/cairn/internal/nix/ast"
	"cairn.dev/cairn/internal/nix/token"
)

// lintResult parses src as «stdin» (base directory /pwd, home
// /fake-home) with the given lints and renders the warnings, in order,
// then the tree or the errors.
func lintResult(t *testing.T, src []byte, lints map[string]Level) string {
	var b strings.Builder
	fset := token.NewFileSet()
	cfg := stdinConfig()
	cfg.Lints = lints
	cfg.Warn = func(w Warning) {
		lint := w.Lint
		if lint == "" {
			lint = "-"
		}
		fmt.Fprintf(&b, "warning %s [%s]: %s\n", fset.Position(w.Pos), lint, w.Msg)
	}
	e, err := ParseFile(fset, "«stdin»", src, cfg)
	if err != nil {
		var list ErrorList
		if !errors.As(err, &list) {
			t.Fatalf("error %v is no ErrorList", err)
		}
		b.WriteString(list.String())
		return b.String()
	}
	b.WriteString("parsed: " + ast.Print(e) + "\n")
	return b.String()
}

// readLints reads a NAME.lints section: one "NAME LEVEL" a line.
func readLints(t *testing.T, data []byte) map[string]Level {
	m := map[string]Level{}
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		if len(f) != 2 || !IsLint(f[0]) {
			t.Fatalf("bad lints line %q", line)
		}
		l, err := ParseLevel(f[1])
		if err != nil {
			t.Fatal(err)
		}
		m[f[0]] = l
	}
	return m
}

// TestGoldenLints runs testdata/lints.txtar: each NAME.nix is parsed with
// the lints of NAME.lints (none when absent) and NAME.out holds the
// warnings and the result. CAIRN_UPDATE=1 rewrites the .out sections.
func TestGoldenLints(t *testing.T) {
	const path = "testdata/lints.txtar"
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	a := parseArchive(data)
	index := map[string]int{}
	for i, f := range a.files {
		index[f.name] = i
	}
	changed := false
	for _, f := range a.files {
		name, ok := strings.CutSuffix(f.name, ".nix")
		if !ok {
			continue
		}
		var lints map[string]Level
		if i, ok := index[name+".lints"]; ok {
			lints = readLints(t, a.files[i].data)
		}
		got := lintResult(t, []byte(strings.TrimSuffix(string(f.data), "\n")), lints)
		j, ok := index[name+".out"]
		if !ok {
			t.Errorf("%s: no %s.out section", name, name)
			continue
		}
		if string(a.files[j].data) != got {
			if update() {
				a.files[j].data = []byte(got)
				changed = true
				continue
			}
			t.Errorf("%s:\n got: %s\nwant: %s", name, got, a.files[j].data)
		}
	}
	if changed {
		if err := os.WriteFile(path, a.format(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestParseLevel(t *testing.T) {
	for _, l := range []Level{Ignore, Warn, Fatal} {
		got, err := ParseLevel(l.String())
		if err != nil || got != l {
			t.Errorf("ParseLevel(%q) = %v, %v; want %v", l.String(), got, err, l)
		}
	}
	if _, err := ParseLevel("error"); err == nil {
		t.Error("ParseLevel(\"error\") succeeded")
	}
}

// TestLintsWithoutWarn checks that warnings are dropped, and the parse
// goes on, when Config.Warn is nil.
func TestLintsWithoutWarn(t *testing.T) {
	cfg := stdinConfig()
	cfg.Lints = map[string]Level{LintURLLiterals: Warn, LintShortPathLiterals: Warn}
	e, err := parseSource("«stdin»", []byte("[ http://a b/c (let or = 1; in [ (x: x) or ]) ]"), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := ast.Print(e), `[ ("http://a") (/pwd/b/c) ((let or = 1; in [ (((x: x) or)) ])) ]`; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}

// allLints sets every lint to level.
func allLints(level Level) map[string]Level {
	return map[string]Level{LintShortPathLiterals: level, LintAbsolutePathLiterals: level, LintURLLiterals: level}
}

// checkLintLevels parses src at the three levels: where it parses with
// the lints ignored, it parses to the same tree with them at Warn, and
// with them Fatal it fails exactly when a lint warned, with the first
// lint warning's message (bar the URL lint's one word) and position.
func checkLintLevels(t *testing.T, src []byte) {
	parse := func(level Level) (ast.Expr, []Warning, *token.FileSet, error) {
		fset := token.NewFileSet()
		cfg := Config{BaseDir: "/pwd", HomeDir: "/home", Globals: NixGlobals, Lints: allLints(level)}
		var ws []Warning
		cfg.Warn = func(w Warning) {
			if fset.File(w.Pos) == nil {
				t.Fatalf("warning %q at a position outside the file", w.Msg)
			}
			ws = append(ws, w)
		}
		e, err := ParseFile(fset, "lint.nix", src, cfg)
		return e, ws, fset, err
	}
	e0, _, _, err := parse(Ignore)
	if err != nil {
		return
	}
	e1, ws, fset, err := parse(Warn)
	if err != nil {
		t.Fatalf("parses with lints ignored, fails with them at warn: %v", err)
	}
	if p0, p1 := ast.Print(e0), ast.Print(e1); p0 != p1 {
		t.Fatalf("lints at warn change the tree:\n%s\n%s", p0, p1)
	}
	var first *Warning
	for i := range ws {
		if ws[i].Lint != "" {
			first = &ws[i]
			break
		}
	}
	_, _, _, err = parse(Fatal)
	switch {
	case first == nil && err != nil:
		t.Fatalf("no lint warned, yet fatal lints fail: %v", err)
	case first != nil && err == nil:
		t.Fatalf("lint warned %q, yet fatal lints parse", first.Msg)
	case first != nil:
		list := err.(ErrorList)
		// Only the URL lint words its error differently.
		msg := strings.Replace(first.Msg, "URL literals are discouraged", "URL literals are disallowed", 1)
		if want := fset.Position(first.Pos).String() + ": " + msg; list[0].Error() != want {
			t.Fatalf("fatal lint error %q, want %q", list[0].Error(), want)
		}
	}
}

func TestLintLevelsAgree(t *testing.T) {
	for _, s := range append(fuzzSeeds(),
		"[ /a ~/b c/d ./e ../f http://g \"http://h\" .i/j a/${x} ~/${x} /${x} ]",
		"let or = 1; in { a = f x or; b = [ g or ]; c = x.y or z or; }",
	) {
		checkLintLevels(t, []byte(s))
	}
}

// FuzzLints checks checkLintLevels on any input: lints never change a
// tree, and Fatal fails exactly where Warn warns.
func FuzzLints(f *testing.F) {
	for _, s := range fuzzSeeds() {
		f.Add([]byte(s))
	}
	f.Add([]byte("[ /a ~/b c/d ./e http://g a/${x} ]"))
	f.Add([]byte("let or = 1; in [ (f or) (g h or) ]"))
	f.Fuzz(func(t *testing.T, src []byte) { checkLintLevels(t, src) })
}
