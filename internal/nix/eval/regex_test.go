package eval

import (
	"regexp"
	"testing"
)

// TestRegexErrors checks which expressions libstdc++'s POSIX extended
// grammar rejects (each checked against Nix 2.8 in
// testdata/builtins/regex.txtar too).
func TestRegexErrors(t *testing.T) {
	valid := []string{"", "a|", "|a", "()", "(|a)", "a**", "a+?", "a{1,2}{2}", "[]a]", "[^]a]", "[a-]", "[%--]",
		"[[.a.]]", "[[=a=]]", "[[]", "[\\n]", "\\{", "\\.", "a^", "a$b", "x{0}", "[[:alpha:][:digit:]]", "[[:w:]]"}
	invalid := []string{"\\d", "\\]", "\\}", "a{,2}", "a{", "(", "*a", "a{2,1}", "[z-a]", "[[:foo:]]", "[a", "a)", ")",
		"[a-c-e]", "a{ 1}", "\\n", "[[:alpha:]-z]", "[]", "[^]", "[[:]", "(?:a)", "^*", "a|*", "\\", "{"}
	for _, p := range valid {
		if _, err := compileNixRegex(p); err != nil {
			t.Errorf("%q: %v, want it accepted", p, err)
		}
	}
	for _, p := range invalid {
		if _, err := compileNixRegex(p); err == nil {
			t.Errorf("%q accepted, want an error", p)
		}
	}
}

// TestRegexBytes checks that matching is on bytes: "." is one byte of a
// multi-byte character, as in libstdc++.
func TestRegexBytes(t *testing.T) {
	re, err := compileNixRegex("(.)(.*)")
	if err != nil {
		t.Fatal(err)
	}
	m := re.matchFull("é")
	if m == nil || m[2] != 0 || m[3] != 1 || m[4] != 1 || m[5] != 2 {
		t.Errorf("match = %v, want groups [0,1) and [1,2)", m)
	}
}

// TestRegexFindAll checks the iteration of std::sregex_iterator: an
// empty match right after a non-empty one is kept, as Nix's split shows.
func TestRegexFindAll(t *testing.T) {
	re, err := compileNixRegex("a*")
	if err != nil {
		t.Fatal(err)
	}
	var got [][2]int
	for _, m := range re.findAll("xaax") {
		got = append(got, [2]int{m[0], m[1]})
	}
	want := [][2]int{{0, 0}, {1, 3}, {3, 3}, {4, 4}}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("got %v, want %v", got, want)
		}
	}
}

// FuzzRegex translates arbitrary expressions and runs them on arbitrary
// text: an error or matches within the text, never a panic.
func FuzzRegex(f *testing.F) {
	for _, s := range [][2]string{
		{"(a|ab)(c|bcd)(d*)", "abcd"}, {"[[:alpha:]]+", "abcé"}, {"a*", "xaax"}, {"^a$", "a"},
		{"[]a-]{1,3}", "]-a"}, {"(.)(.*)", "é"}, {"\\.|\\(", "(."}, {"[^]]*", "x]"},
	} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, pattern, s string) {
		re, err := compileNixRegex(pattern)
		if err != nil {
			return
		}
		if _, err := regexp.Compile(re.goSrc); err != nil {
			t.Fatalf("%q translated to invalid Go %q: %v", pattern, re.goSrc, err)
		}
		if m := re.matchFull(s); m != nil && (m[0] != 0 || m[1] != len(s)) {
			t.Fatalf("full match of %q on %q is %v", pattern, s, m)
		}
		prev := 0
		for _, m := range re.findAll(s) {
			if m[0] < prev || m[1] < m[0] || m[1] > len(s) {
				t.Fatalf("match %v of %q on %q out of order", m, pattern, s)
			}
			prev = m[1]
		}
	})
}
