package parser

import (
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"cairn.dev/cairn/internal/nix/ast"
	"cairn.dev/cairn/internal/nix/token"
)

// suiteDir is the upstream Nix language test suite, beside the repository.
const suiteDir = "../../../../shared/nix-lang-tests"

func suiteFiles(t testing.TB, pattern string) []string {
	t.Helper()
	if _, err := os.Stat(suiteDir); err != nil {
		t.Skipf("Nix language test suite not found at %s (it lives in the shared folder beside the repository): %v", suiteDir, err)
	}
	files, err := filepath.Glob(filepath.Join(suiteDir, pattern))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatalf("no files match %s in %s", pattern, suiteDir)
	}
	return files
}

// stdinConfig is how the suite's parse cases run: `nix-instantiate --parse -`.
func stdinConfig() Config {
	return Config{BaseDir: "/pwd", HomeDir: "/fake-home", Globals: NixGlobals}
}

func parseSource(name string, src []byte, cfg Config) (ast.Expr, error) {
	return ParseFile(token.NewFileSet(), name, src, cfg)
}

func TestSuiteParseOkay(t *testing.T) {
	for _, f := range suiteFiles(t, "parse-okay-*.nix") {
		name := strings.TrimSuffix(filepath.Base(f), ".nix")
		t.Run(name, func(t *testing.T) {
			src, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			want, err := os.ReadFile(strings.TrimSuffix(f, ".nix") + ".exp")
			if err != nil {
				t.Fatal(err)
			}
			e, err := parseSource("«stdin»", src, stdinConfig())
			if err != nil {
				t.Fatalf("parse: %v", err)
			}
			if got := ast.Print(e) + "\n"; got != string(want) {
				t.Errorf("printed tree differs\n got: %s\nwant: %s", got, want)
			}
		})
	}
}

// errPos matches the position line of a Nix error message.
var errPos = regexp.MustCompile(`(?m)^\s+at («stdin»|/pwd/lang/[^:]+):(\d+):(\d+):$`)

// checkNixError compares err with the first line and position of a Nix
// error message (an .err.exp file).
func checkNixError(t *testing.T, err error, want string, file string) {
	t.Helper()
	var list ErrorList
	if !errors.As(err, &list) || len(list) == 0 {
		t.Fatalf("error %v is no ErrorList", err)
	}
	first := list[0]
	wantMsg, _, _ := strings.Cut(want, "\n")
	if got, _, _ := strings.Cut("error: "+first.Msg, "\n"); got != wantMsg {
		t.Errorf("message\n got: %s\nwant: %s", got, wantMsg)
	}
	m := errPos.FindStringSubmatch(want)
	if m == nil {
		return
	}
	if got := first.Pos.String(); got != file+":"+m[2]+":"+m[3] {
		t.Errorf("position %s, want %s:%s:%s", got, file, m[2], m[3])
	}
}

func TestSuiteParseFail(t *testing.T) {
	for _, f := range suiteFiles(t, "parse-fail-*.nix") {
		name := strings.TrimSuffix(filepath.Base(f), ".nix")
		t.Run(name, func(t *testing.T) {
			src, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			e, err := parseSource("«stdin»", src, stdinConfig())
			if err == nil {
				t.Fatalf("parsed, want an error; tree: %s", ast.Print(e))
			}
			want, rerr := os.ReadFile(strings.TrimSuffix(f, ".nix") + ".err.exp")
			if rerr != nil {
				t.Fatal(rerr)
			}
			checkNixError(t, err, string(want), "«stdin»")
		})
	}
}

// fileConfig is how the suite's eval cases run: a file of the suite.
func fileConfig(f string) Config {
	abs, _ := filepath.Abs(filepath.Dir(f))
	return Config{BaseDir: abs, HomeDir: "/fake-home", Globals: NixGlobals}
}

// evalParseErrors are the eval-fail cases that fail already when parsing
// (Nix 2.8's `nix-instantiate --parse` rejects them too); their
// .err.exp gives the message.
var evalParseErrors = map[string]bool{
	"eval-fail-attrset-merge-drops-later-rec": true,
	"eval-fail-dynamic-attrs-inherit-2":       true,
	"eval-fail-dynamic-attrs-inherit":         true,
	"eval-fail-dynamic-attrs-let-2":           true,
	"eval-fail-dynamic-attrs-let-3":           true,
	"eval-fail-dynamic-attrs-let":             true,
	"eval-fail-eol-1":                         true,
	"eval-fail-eol-2":                         true,
	"eval-fail-eol-3":                         true,
	"eval-fail-path-slash":                    true,
	"eval-fail-pipe-operators":                true,
	"eval-fail-set":                           true,
	// NUL bytes in strings: the suite's Nix rejects them while lexing
	// (Nix 2.8 accepted and truncated them).
	"eval-fail-string-nul-1": true,
	"eval-fail-string-nul-2": true,
}

func TestSuiteEvalFilesParse(t *testing.T) {
	files := append(suiteFiles(t, "eval-okay-*.nix"), suiteFiles(t, "eval-fail-*.nix")...)
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".nix")
		t.Run(name, func(t *testing.T) {
			src, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			e, err := parseSource("/pwd/lang/"+filepath.Base(f), src, fileConfig(f))
			if evalParseErrors[name] {
				if err == nil {
					t.Fatalf("parsed, want an error; tree: %s", ast.Print(e))
				}
				want, rerr := os.ReadFile(strings.TrimSuffix(f, ".nix") + ".err.exp")
				if rerr != nil {
					t.Fatal(rerr)
				}
				checkNixError(t, err, string(want), "/pwd/lang/"+filepath.Base(f))
				return
			}
			if err != nil {
				t.Fatalf("parse: %v", err)
			}
		})
	}
}
