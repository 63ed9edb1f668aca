package module_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"cairn.dev/cairn/internal/cli"
	"cairn.dev/cairn/internal/module/benchconfig"
)

// BenchmarkEvalModules evaluates the generated module-system benchmark
// configuration (benchconfig.Default()) with cairn's lib, in-process, as
// `cairn eval --strict` does; profile it with
// `go test -run - -bench EvalModules -cpuprofile cpu.out ./internal/module`.
func BenchmarkEvalModules(b *testing.B) {
	dir := b.TempDir()
	cfg := benchconfig.Generate(benchconfig.Default())
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

// TestBenchConfigAgrees evaluates a small configuration made by the
// benchmark's generator with cairn (in-process) and, when it is
// installed, with real Nix on the same lib files, and compares the
// printed values; it also checks the generator's counts and determinism.
func TestBenchConfigAgrees(t *testing.T) {
	p := benchconfig.Params{Modules: 6, OptionsPerModule: 10, DefinitionsPerMod: 40, Seed: 7}
	cfg := benchconfig.Generate(p)
	if cfg.Options != 60 || cfg.Definitions != 240 {
		t.Fatalf("generated %d options and %d definitions, want 60 and 240", cfg.Options, cfg.Definitions)
	}
	again := benchconfig.Generate(p)
	for name, src := range cfg.Files {
		if again.Files[name] != src {
			t.Fatalf("%s differs between two runs of the generator", name)
		}
	}
	dir := t.TempDir()
	for name, src := range cfg.Files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var out, errb bytes.Buffer
	env := &cli.Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb, Getenv: func(string) string { return "" }, Dir: dir}
	expr := "import ./" + cfg.Main + " (import <cairn/lib>)"
	if code := cli.Run(t.Context(), env, []string{"eval", "--strict", "-E", expr}); code != 0 {
		t.Fatalf("cairn eval: exit %d: %s", code, errb.String())
	}
	if !strings.Contains(out.String(), "m5 = {") {
		t.Fatalf("cairn printed no m5 in:\n%s", out.String())
	}
	nix, err := exec.LookPath("nix-instantiate")
	if err != nil {
		t.Skip("nix-instantiate not installed: not compared with Nix")
	}
	lib, err := filepath.Abs("lib")
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(t.Context(), nix, "--eval", "--strict", "--readonly-mode", "-E", "import ./"+cfg.Main+" (import "+lib+")")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "NIX_PATH=", "HOME="+dir)
	want, err := cmd.Output()
	if err != nil {
		t.Fatalf("nix-instantiate: %v", err)
	}
	if out.String() != string(want) {
		t.Errorf("cairn and Nix differ\ncairn: %s\nnix:   %s", out.String(), want)
	}
}
