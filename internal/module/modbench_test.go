package module_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"cairn.dev/cairn/internal/cli"
	"cairn.dev/cairn/internal/module/benchconfig"
)

// BenchmarkEvalModules evaluates the generated module-system benchmark
// configuration (benchconfig.Default) with cairn's lib, in-process, as
// `cairn eval --strict` does; profile it with
// `go test -run - -bench EvalModules -cpuprofile cpu.out ./internal/module`.
func BenchmarkEvalModules(b *testing.B) {
	dir := b.TempDir()
	cfg := benchconfig.Generate(benchconfig.Default)
	for name, src := range cfg.Files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	expr := "import ./" + cfg.Main + " (import <cairn/lib>)"
	for b.Loop() {
		var out, errb bytes.Buffer
		env := &cli.Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb, Getenv: func(string) string { return "" }, Dir: dir}
		if code := cli.Run(b.Context(), env, []string{"eval", "--strict", "-E", expr}); code != 0 {
			b.Fatalf("cairn eval: exit %d: %s", code, errb.String())
		}
	}
}
