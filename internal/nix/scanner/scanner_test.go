package scanner

import (
	"fmt"
	"strings"
	"testing"
)

// scanAll renders every token of src, one per line: KIND [TEXT] @OFFSET,
// up to EOF or the first error.
func scanAll(src string) []string {
	var s Scanner
	s.Init(src)
	var out []string
	for i := 0; i < 4*len(src)+16; i++ {
		t := s.Scan()
		line := fmt.Sprintf("%s@%d", t, s.Start)
		switch t {
		case ID, PATH, HPATH, SPATH, URI, STR:
			line += fmt.Sprintf(" %q", s.Str)
		case IND_STR:
			line += fmt.Sprintf(" %q", s.Str)
			if s.Indent {
				line += " indent"
			}
		case INT:
			line += fmt.Sprintf(" %d", s.Int)
		case FLOAT:
			line += fmt.Sprintf(" %g", s.Float)
		case ERROR:
			line += " " + s.ErrMsg
		}
		out = append(out, line)
		if t == EOF || t == ERROR {
			return out
		}
	}
	return append(out, "scanner did not stop")
}

func TestScan(t *testing.T) {
	tests := []struct {
		src  string
		want string
	}{
		{"if then else assert with let in rec inherit or", "'if'@0|'then'@3|'else'@8|'assert'@13|'with'@20|'let'@25|'in'@29|'rec'@32|'inherit'@36|'or'@44|end of file@46"},
		{"iffy a-b c' _x", `identifier@0 "iffy"|identifier@5 "a-b"|identifier@9 "c'"|identifier@12 "_x"|end of file@14`},
		{"== != <= >= && || -> // ++ + - * / ! ? @ : ; . , = < > ...", "'=='@0|'!='@3|'<='@6|'>='@9|'&&'@12|'||'@15|'->'@18|'//'@21|'++'@24|'+'@27|'-'@29|'*'@31|'/'@33|'!'@35|'?'@37|'@'@39|':'@41|';'@43|'.'@45|','@47|'='@49|'<'@51|'>'@53|'...'@55|end of file@58"},
		{"0 123 9223372036854775807", "integer@0 0|integer@2 123|integer@6 9223372036854775807|end of file@25"},
		{"9223372036854775808", "invalid token@0 invalid integer '9223372036854775808'"},
		{"1.5 .5 0.5 1. 1.5e-3 1.0E5", "floating-point literal@0 1.5|floating-point literal@4 0.5|floating-point literal@7 0.5|floating-point literal@11 1|floating-point literal@14 0.0015|floating-point literal@21 100000|end of file@26"},
		{"1e3", `integer@0 1|identifier@1 "e3"|end of file@3`},
		{"01.5", "integer@0 1|floating-point literal@2 0.5|end of file@4"},
		{"0.", "integer@0 0|'.'@1|end of file@2"},
		{"1.0e999", "invalid token@0 invalid float '1.0e999'"},
		{"1.0e-320", "invalid token@0 invalid float '1.0e-320'"},
		{"./a ../b /c/d a/b ~/e a+b/c", `path@0 "./a"|end of path@0|path@4 "../b"|end of path@4|path@9 "/c/d"|end of path@9|path@14 "a/b"|end of path@14|'~/…' path@18 "~/e"|end of path@18|path@22 "a+b/c"|end of path@22|end of file@27`},
		{"./a/${b}/c.nix;", `path@0 "./a/"|'${'@4|identifier@6 "b"|'}'@7|string@8 "/c.nix"|end of path@8|';'@14|end of file@15`},
		{"a/${b}", `path@0 "a/"|'${'@2|identifier@4 "b"|'}'@5|end of path@5|end of file@6`},
		{"~/${b}", `'~/…' path@0 "~/"|'${'@2|identifier@4 "b"|'}'@5|end of path@5|end of file@6`},
		{"./a/", `path@0 "./a/"|invalid token@0 path has a trailing slash`},
		{"./a/ x", `path@0 "./a/"|invalid token@4 path has a trailing slash`},
		{"<nixpkgs/lib> <a>b", `'<…>' path@0 "<nixpkgs/lib>"|'<…>' path@14 "<a>"|identifier@17 "b"|end of file@18`},
		{"http://a.b/c?d=e&f x:y", `URI@0 "http://a.b/c?d=e&f"|URI@19 "x:y"|end of file@22`},
		{"x: y", `identifier@0 "x"|':'@1|identifier@3 "y"|end of file@4`},
		{"# c\n/* d */ /** e */ 1", "integer@21 1|end of file@22"},
		{"1 /* open", "integer@0 1|'/'@2|'*'@3|identifier@5 \"open\"|end of file@9"},
		{`"a\nb\tc\rd\\e\"f\$g\qh"`, `'"'@0|string@1 "a\nb\tc\rd\\e\"f$gqh"|'"'@23|end of file@24`},
		{"\"a\r\nb\rc\"", `'"'@0|string@1 "a\nb\nc"|'"'@7|end of file@8`},
		{`"$${a}$"`, `'"'@0|string@1 "$${a}$"|'"'@7|end of file@8`},
		{`"a${b}c"`, `'"'@0|string@1 "a"|'${'@2|identifier@4 "b"|'}'@5|string@6 "c"|'"'@7|end of file@8`},
		{`"abc`, `'"'@0|string@1 "abc"|end of file@4`},
		{`"\`, `'"'@0|end of file@2`},
		{"\"a\x00b\"", `'"'@0|invalid token@1 input string 'a␀b' cannot be represented as Nix string because it contains null bytes`},
		{"''\n  a\n''", `start of an indented string@0|indented string@3 "  a\n" indent|end of an indented string@7|end of file@9`},
		{"''  x''", `start of an indented string@0|indented string@2 "  x" indent|end of an indented string@5|end of file@7`},
		{"'''''$''\\n''\\x'$$'${x}''", `start of an indented string@0|indented string@2 "''"|indented string@5 "$"|indented string@6 "\n"|indented string@10 "x"|indented string@14 "'"|indented string@15 "$$" indent|indented string@17 "'"|'${'@18|identifier@20 "x"|'}'@21|end of an indented string@22|end of file@24`},
		{"''a", `start of an indented string@0|indented string@2 "a" indent|end of file@3`},
		{"{ } } ${ }", "'{'@0|'}'@2|'}'@4|'${'@6|'}'@9|end of file@10"},
		{"a |> b", `identifier@0 "a"|invalid token@2 experimental Nix feature 'pipe-operators' is disabled; add '--extra-experimental-features pipe-operators' to enable it`},
		{"1 é", "integer@0 1|invalid token@2|invalid token@3|end of file@4"},
		{"1\x00 2", "integer@0 1|end of file@2"},
		{"& | $ ~ ' `", "invalid token@0|invalid token@2|invalid token@4|invalid token@6|invalid token@8|invalid token@10|end of file@11"},
	}
	for _, tt := range tests {
		got := strings.Join(scanAll(tt.src), "|")
		if got != tt.want {
			t.Errorf("Scan(%q)\n got: %s\nwant: %s", tt.src, got, tt.want)
		}
	}
}

func TestTokenString(t *testing.T) {
	for tok := Token(0); tok < numTokens; tok++ {
		if tok.String() == "" {
			t.Errorf("token %d has no name", tok)
		}
	}
	if got := Token(255).String(); got != "invalid token" {
		t.Errorf("Token(255) = %q", got)
	}
}

func FuzzScan(f *testing.F) {
	for _, s := range []string{
		"let a = 1; in a", `"a${b}c"`, "''\n  a ${b}\n''", "./a/${b}/c", "<a/b>", "http://x/y",
		"1.5e3", "\"\\", "''\\", "./a/", "/* x", "${", "}}", "a |> b",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		var s Scanner
		s.Init(src)
		last := -1
		for i := 0; ; i++ {
			if i > 4*len(src)+16 {
				t.Fatalf("scanner does not stop on %q", src)
			}
			tok := s.Scan()
			if s.Start < 0 || s.End < s.Start || s.End > len(src)+1 {
				t.Fatalf("token %s has bad extent %d..%d in %d bytes", tok, s.Start, s.End, len(src))
			}
			if tok == EOF || tok == ERROR {
				return
			}
			if tok != PATH_END && s.Start < last {
				t.Fatalf("token %s at %d goes back before %d", tok, s.Start, last)
			}
			if tok != PATH_END {
				last = s.Start
			}
		}
	})
}
