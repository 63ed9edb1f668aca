package oracle

import (
	"slices"
	"strings"
	"testing"
)

func TestGenerateIsDeterministic(t *testing.T) {
	a, b := Generate(7, 50), Generate(7, 50)
	if !slices.Equal(a, b) {
		t.Fatal("the same seed gave different expressions")
	}
	if c := Generate(8, 50); slices.Equal(a, c) {
		t.Fatal("different seeds gave the same expressions")
	}
	for i, e := range a {
		if strings.TrimSpace(e) == "" {
			t.Errorf("expression %d is empty", i)
		}
		if strings.Count(e, "(") != strings.Count(e, ")") || strings.Count(e, "{") != strings.Count(e, "}") || strings.Count(e, "[") != strings.Count(e, "]") {
			t.Errorf("expression %d has unbalanced brackets: %s", i, e)
		}
	}
}
