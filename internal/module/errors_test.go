package module_test

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"cairn.dev/cairn/internal/cli"
	"github.com/rogpeppe/go-internal/txtar"
)

// TestErrorMessages evaluates each testdata/errors/*.txtar (`input.nix`
// and any other files it imports) with `cairn eval --strict input.nix`
// and compares standard error with the `err` section. The folder the
// files are written to reads as $DIR, and code frames that point into
// cairn's lib are left out (they move whenever the lib is edited).
// CAIRN_UPDATE=1 rewrites the `err` sections.
func TestErrorMessages(t *testing.T) {
	files, err := filepath.Glob("testdata/errors/*.txtar")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no cases in testdata/errors")
	}
	update := os.Getenv("CAIRN_UPDATE") == "1"
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".txtar"), func(t *testing.T) {
			ar, err := txtar.ParseFile(file)
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			errIndex := -1
			for i, f := range ar.Files {
				if f.Name == "err" {
					errIndex = i
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
			var out, errb bytes.Buffer
			env := &cli.Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb, Getenv: func(string) string { return "" }, Dir: dir}
			if code := cli.Run(t.Context(), env, []string{"eval", "--strict", "input.nix"}); code == 0 {
				t.Fatalf("evaluation succeeded, want an error; output:\n%s", out.String())
			}
			got := normalise(errb.String(), dir)
			if update {
				if errIndex < 0 {
					ar.Files = append(ar.Files, txtar.File{Name: "err"})
					errIndex = len(ar.Files) - 1
				}
				ar.Files[errIndex].Data = []byte(got)
				if err := os.WriteFile(file, txtar.Format(ar), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			if errIndex < 0 {
				t.Fatalf("no err section; run with CAIRN_UPDATE=1; got:\n%s", got)
			}
			if want := string(ar.Files[errIndex].Data); got != want {
				t.Errorf("stderr differs\n--- got\n%s\n--- want\n%s", got, want)
			}
		})
	}
}

// frameLine matches the lines of a code frame after its "at" line.
var frameLine = regexp.MustCompile(`^\s*(\d+)?\|`)

func normalise(stderr, dir string) string {
	var out []string
	lines := strings.Split(strings.ReplaceAll(stderr, dir, "$DIR"), "\n")
	for i := 0; i < len(lines); i++ {
		if !strings.HasPrefix(strings.TrimSpace(lines[i]), "at /__cairn/lib/") {
			out = append(out, lines[i])
			continue
		}
		for i+1 < len(lines) && (strings.TrimSpace(lines[i+1]) == "" || frameLine.MatchString(lines[i+1])) {
			i++
		}
	}
	return strings.TrimRight(strings.Join(out, "\n"), "\n") + "\n"
}
