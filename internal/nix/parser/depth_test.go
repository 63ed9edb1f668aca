package parser

import (
	"strings"
	"testing"
)

func TestNestingLimit(t *testing.T) {
	cfg := Config{BaseDir: "/pwd"}
	deep := []struct {
		name string
		src  string
	}{
		{"parens", strings.Repeat("(", 10000) + "1" + strings.Repeat(")", 10000)},
		{"lists", strings.Repeat("[ ", 10000) + strings.Repeat("] ", 10000)},
		{"sets", strings.Repeat("{ a = ", 10000) + "1" + strings.Repeat("; }", 10000)},
		{"not", strings.Repeat("!", 10000) + "true"},
		{"negation", strings.Repeat("-", 10000) + "1"},
		{"lambdas", strings.Repeat("x: ", 10000) + "x"},
		{"select-or", "a" + strings.Repeat(".b or a", 10000)},
		{"interpolation", strings.Repeat(`"${`, 10000) + "1" + strings.Repeat(`}"`, 10000)},
	}
	for _, c := range deep {
		t.Run(c.name, func(t *testing.T) {
			_, err := parseSource("deep.nix", []byte(c.src), cfg)
			if err == nil || !strings.Contains(err.Error(), "nested too deeply") {
				t.Fatalf("got %v, want a nesting error", err)
			}
		})
	}
	// Realistic depths parse.
	ok := []string{
		strings.Repeat("(", 1000) + "1" + strings.Repeat(")", 1000),
		strings.Repeat("{ a = ", 1000) + "1" + strings.Repeat("; }", 1000),
		strings.Repeat("if true then 1 else ", 1000) + "2",
		strings.Repeat("x: ", 1000) + "x",
		// Long chains of operators are loops, not recursion.
		strings.Repeat("[ 1 ] ++ ", 100000) + "[ ]",
		strings.Repeat("{ } // ", 100000) + "{ }",
		strings.Repeat("1 + ", 100000) + "1",
		strings.Repeat("f ", 100000),
	}
	for i, src := range ok {
		if _, err := parseSource("ok.nix", []byte(src), cfg); err != nil {
			t.Errorf("case %d: %v", i, err)
		}
	}
}
