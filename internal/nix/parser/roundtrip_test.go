package parser

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"cairn.dev/cairn/internal/nix/ast"
)

// reprintable reports whether Print(e) parses back into a tree that prints
// the same. Nix's `--parse` format is not meant to be read back, and a
// few of its forms are not: an interpolated string prints as its parts
// joined by ` + `, which reads back as nested additions; an interpolated
// path prints its first segment with a trailing slash (`(/a/ + b)`, a
// syntax error); the path `/` prints as the operator `/`; a home path
// is not made canonical but prints as an absolute path, which is; a dynamic
// attribute prints as `"${e}"`, which reads back as an interpolated
// string around e; `assert` prints without parentheses, so inside an
// operand it swallows what follows; and floats print in C's %g form
// (`1e+08`), which is no Nix float literal.
func reprintable(e ast.Expr) (ok bool, why string) {
	ok = true
	dyn := func(path []ast.AttrName) {
		for _, a := range path {
			if a.Expr != nil {
				ok, why = false, "dynamic attribute name"
			}
		}
	}
	walk(e, func(x ast.Expr) {
		switch x := x.(type) {
		case *ast.Interp:
			if x.IsPath {
				ok, why = false, "interpolated path"
			} else {
				ok, why = false, "interpolated string"
			}
		case *ast.Path:
			if x.Value == "/" {
				ok, why = false, "the path /"
			} else if x.Value != canonPath(x.Value) {
				// `~/a/..` is not canonicalised (as in Nix), but
				// its printed form is an absolute path, which is.
				ok, why = false, "non-canonical home path"
			}
		case *ast.Attrs:
			if len(x.Dynamic) > 0 {
				ok, why = false, "dynamic attribute"
			}
		case *ast.Select:
			dyn(x.Path)
		case *ast.HasAttr:
			dyn(x.Path)
		case *ast.Float:
			if s := ast.FormatFloat(x.Value); strings.ContainsAny(s, "e") {
				ok, why = false, "float in exponent form"
			}
		}
		// An assert anywhere but in tail position of its parent.
		assertIn := func(children ...ast.Expr) {
			for _, c := range children {
				if _, isAssert := c.(*ast.Assert); isAssert {
					ok, why = false, "assert inside an operand"
				}
			}
		}
		switch x := x.(type) {
		case *ast.Binary:
			assertIn(x.X, x.Y)
		case *ast.Assert:
			assertIn(x.Cond)
		case *ast.With:
			assertIn(x.Attrs)
		case *ast.Not:
			assertIn(x.X)
		case *ast.Neg:
			assertIn(x.X)
		case *ast.Call:
			assertIn(x.Fn)
			assertIn(x.Args...)
		case *ast.Select:
			assertIn(x.X, x.Default)
		case *ast.HasAttr:
			assertIn(x.X)
		case *ast.Interp:
			assertIn(x.Parts...)
		case *ast.If:
			assertIn(x.Cond, x.Then)
		case *ast.Lambda:
			if x.Formals != nil {
				for _, f := range x.Formals.List {
					assertIn(f.Default)
				}
			}
		case *ast.Attrs:
			for _, d := range x.Attrs {
				assertIn(d.Value)
			}
		case *ast.Let:
			for _, d := range x.Bindings.Attrs {
				assertIn(d.Value)
			}
		}
	})
	return ok, why
}

// roundTrip checks that Print(e) parses again and prints identically,
// when e is reprintable; otherwise, that printing is idempotent after one
// re-parse (the second and third printing agree), whenever the printed
// text parses at all.
func roundTrip(t *testing.T, e ast.Expr) {
	t.Helper()
	cfg := Config{BaseDir: "/pwd", HomeDir: "/fake-home"}
	first := ast.Print(e)
	e2, err := parseSource("reprint", []byte(first), cfg)
	if err != nil && strings.Contains(err.Error(), "nested too deeply") {
		// A long chain of operators (`a ++ b ++ ...`) parses in a loop
		// but prints as nested parentheses, which may exceed MaxDepth.
		return
	}
	if ok, _ := reprintable(e); !ok {
		if err != nil {
			return
		}
		second := ast.Print(e2)
		e3, err := parseSource("reprint", []byte(second), cfg)
		if err != nil {
			t.Fatalf("reprinted tree does not parse: %v\n%s", err, clip(second))
		}
		if third := ast.Print(e3); third != second {
			t.Fatalf("printing is not idempotent\nsecond: %s\nthird:  %s", clip(second), clip(third))
		}
		return
	}
	if err != nil {
		t.Fatalf("printed tree does not parse: %v\n%s", err, clip(first))
	}
	if second := ast.Print(e2); second != first {
		t.Fatalf("reprinted tree differs\nfirst:  %s\nsecond: %s", clip(first), clip(second))
	}
}

// clip shortens long text for test failure messages.
func clip(s string) string {
	if len(s) > 2000 {
		return s[:2000] + "…"
	}
	return s
}

func TestRoundTrip(t *testing.T) {
	var inputs []string
	if _, err := os.Stat(suiteDir); err == nil {
		for _, pat := range []string{"parse-okay-*.nix", "eval-okay-*.nix", "eval-fail-*.nix"} {
			files, _ := filepath.Glob(filepath.Join(suiteDir, pat))
			inputs = append(inputs, files...)
		}
	}
	tested, skipped := 0, map[string]int{}
	run := func(name string, src []byte) {
		e, err := parseSource(name, src, Config{BaseDir: "/pwd", HomeDir: "/fake-home"})
		if err != nil {
			return
		}
		if ok, why := reprintable(e); !ok {
			skipped[why]++
		} else {
			tested++
		}
		t.Run(filepath.Base(name), func(t *testing.T) { roundTrip(t, e) })
	}
	for _, f := range inputs {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		run(f, src)
	}
	for _, corpus := range []string{"testdata/print.txtar", "testdata/oracle.txtar"} {
		data, err := os.ReadFile(corpus)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range parseArchive(data).files {
			if strings.HasSuffix(f.name, ".nix") {
				run(corpus+"/"+f.name, f.data)
			}
		}
	}
	if tested == 0 {
		t.Fatal("no input was round-tripped")
	}
	t.Logf("round-tripped %d inputs exactly; idempotence only: %v", tested, skipped)
}
