package cli_test

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"cairn.dev/cairn/internal/cli"
)

// TestOptionsManualUpToDate regenerates the options manual with `cairn
// options --markdown` and compares it with docs/options.md;
// CAIRN_UPDATE=1 rewrites the file.
func TestOptionsManualUpToDate(t *testing.T) {
	const path = "../../docs/options.md"
	var out, errb bytes.Buffer
	env := &cli.Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb, Getenv: func(string) string { return "" }, Dir: t.TempDir()}
	if code := cli.Run(t.Context(), env, []string{"options", "--markdown"}); code != 0 {
		t.Fatalf("cairn options --markdown: exit %d: %s", code, errb.String())
	}
	if os.Getenv("CAIRN_UPDATE") == "1" {
		if err := os.WriteFile(path, out.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(out.Bytes(), want) {
		t.Errorf("docs/options.md is out of date: run `CAIRN_UPDATE=1 go test -run TestOptionsManualUpToDate ./internal/cli` (or `bin/cairn options --markdown > docs/options.md`)\n--- generated\n%s", out.String())
	}
}
