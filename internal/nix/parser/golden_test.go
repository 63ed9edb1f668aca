package parser

import (
	"bytes"
	"errors"
	"os"
	"strings"
	"testing"

	"cairn.dev/cairn/internal/nix/ast"
)

// goldenFile runs every NAME.nix of a txtar archive through render and
// compares the result with NAME.OUT, rewriting the archive under
// CAIRN_UPDATE=1.
func goldenFile(t *testing.T, path, out string, render func(src []byte) string) {
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	a := parseArchive(data)
	want := map[string]int{}
	for i, f := range a.files {
		want[f.name] = i
	}
	changed := false
	for i := range a.files {
		f := a.files[i]
		if !strings.HasSuffix(f.name, ".nix") {
			continue
		}
		name := strings.TrimSuffix(f.name, ".nix")
		src := bytes.TrimSuffix(f.data, []byte("\n"))
		got := render(src)
		j, ok := want[name+"."+out]
		if !ok {
			t.Errorf("%s: no %s.%s section", name, name, out)
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

func TestGoldenErrors(t *testing.T) {
	goldenFile(t, "testdata/errors.txtar", "err", func(src []byte) string {
		e, err := parseSource("«stdin»", src, stdinConfig())
		if err == nil {
			return "parsed: " + ast.Print(e) + "\n"
		}
		var list ErrorList
		if !errors.As(err, &list) {
			t.Fatalf("error %v is no ErrorList", err)
		}
		return list.String()
	})
}

func TestGoldenPrint(t *testing.T) {
	goldenFile(t, "testdata/print.txtar", "out", func(src []byte) string {
		e, err := parseSource("«stdin»", src, stdinConfig())
		if err != nil {
			return "error: " + err.Error() + "\n"
		}
		return ast.Print(e) + "\n"
	})
}
