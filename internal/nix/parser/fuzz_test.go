package parser

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fuzzSeeds are tricky inputs beyond the suite's files.
func fuzzSeeds() []string {
	return []string{
		strings.Repeat("(", 10000) + "1" + strings.Repeat(")", 10000),
		strings.Repeat("[", 5000),
		strings.Repeat("{a=", 3000) + "1" + strings.Repeat(";}", 3000),
		strings.Repeat("!", 6000) + "true",
		strings.Repeat("-", 6000) + "1",
		strings.Repeat("x: ", 5000) + "x",
		strings.Repeat("a.b or ", 5000) + "c",
		strings.Repeat("1 ++ ", 5000) + "1",
		"\"" + strings.Repeat("a\\n${x}", 500) + "\"",
		"''" + strings.Repeat("  a\n    ${x}\n", 500) + "''",
		"\"" + strings.Repeat("x", 5000),
		"''" + strings.Repeat("x", 5000),
		"/*" + strings.Repeat("x", 1000),
		"\"${", "''${", "./a/${", "${", "}", "}}}", "\"\\", "\"$", "''\\", "''$", "'''",
		"./a/", "~/", "~/${x}", "<a/b>", "a:b", "1.5e", "1e", ".5.5", "0x1", "9999999999999999999999",
		"{ a ? 1, b, ... }@c: c", "let { body = 1; }", "rec { a.b = 1; a = { c = 2; }; }",
		"a |> b", "a <| b", "\x00", "\"\x00\"", "\r\n\r", "# c\r1",
		"{ x.y = 1; x = { inherit (z) y; }; }", "{ a = { inherit (b) c; }; a = { inherit (d) e; }; }",
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range fuzzSeeds() {
		f.Add([]byte(s))
	}
	for _, pat := range []string{"parse-*.nix", "eval-okay-*.nix", "eval-fail-*.nix"} {
		files, _ := filepath.Glob(filepath.Join(suiteDir, pat))
		for _, file := range files {
			if src, err := os.ReadFile(file); err == nil {
				f.Add(src)
			}
		}
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		e, err := parseSource("fuzz.nix", src, Config{BaseDir: "/pwd", HomeDir: "/home", Globals: NixGlobals})
		if err != nil {
			if _, ok := err.(ErrorList); !ok {
				t.Fatalf("error %T is no ErrorList: %v", err, err)
			}
			return
		}
		if e == nil {
			t.Fatal("no tree and no error")
		}
		roundTrip(t, e)
	})
}
