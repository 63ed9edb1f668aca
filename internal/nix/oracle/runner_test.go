package oracle

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestInProcessPassesEverything(t *testing.T) {
	main := func(ctx context.Context, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string, dir string, args []string) int {
		in, _ := io.ReadAll(stdin)
		fmt.Fprintf(stdout, "%s|%s|%s|%s", strings.Join(args, ","), getenv("V"), dir, in)
		fmt.Fprint(stderr, "warn")
		return 3
	}
	r := InProcess{Main: main, Prefix: []string{"eval"}, Timeout: time.Minute}.Run(t.Context(),
		Invocation{Args: []string{"--strict", "f.nix"}, Dir: "/d", Env: map[string]string{"V": "x"}, Stdin: "in"})
	want := Result{Stdout: "eval,--strict,f.nix|x|/d|in", Stderr: "warn", Code: 3}
	if r != want {
		t.Fatalf("got %+v, want %+v", r, want)
	}
}

func TestInProcessReportsHangs(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	stuck := func(ctx context.Context, _ io.Reader, stdout, _ io.Writer, _ func(string) string, _ string, _ []string) int {
		fmt.Fprint(stdout, "partial")
		<-release // ignores ctx, as a runaway evaluation would
		return 0
	}
	r := InProcess{Main: stuck, Timeout: 50 * time.Millisecond}.Run(t.Context(), Invocation{})
	if !r.Hung || r.Code != -1 || r.Stdout != "partial" {
		t.Fatalf("got %+v, want a hang with the partial output", r)
	}
}

func TestInProcessReportsPanics(t *testing.T) {
	boom := func(context.Context, io.Reader, io.Writer, io.Writer, func(string) string, string, []string) int {
		panic("boom")
	}
	r := InProcess{Main: boom, Timeout: time.Minute}.Run(t.Context(), Invocation{})
	if r.Code != -1 || r.Hung || !strings.Contains(r.Stderr, "panic: boom") {
		t.Fatalf("got %+v, want exit -1 with the panic on stderr", r)
	}
}

func TestExecRunsWithOnlyTheGivenEnvironment(t *testing.T) {
	r := Exec{Argv: []string{"/bin/sh", "-c"}, Path: "/usr/bin:/bin", Timeout: time.Minute}.Run(t.Context(),
		Invocation{Args: []string{`echo "$V:$HOME:$(pwd)"; cat; echo err >&2; exit 4`}, Dir: "/", Env: map[string]string{"V": "x"}, Stdin: "in\n"})
	want := Result{Stdout: "x::/\nin\n", Stderr: "err\n", Code: 4}
	if r != want {
		t.Fatalf("got %+v, want %+v", r, want)
	}
	r = Exec{Argv: []string{"/bin/sh", "-c"}, Timeout: 50 * time.Millisecond}.Run(t.Context(), Invocation{Args: []string{"sleep 5"}})
	if !r.Hung {
		t.Fatalf("got %+v, want a hang", r)
	}
}

// TestEvalFilesMatchesSingleRuns checks the batching against one process
// per file, on files that print, trace and fail.
func TestEvalFilesMatchesSingleRuns(t *testing.T) {
	nix, err := FindNix(os.Getenv("PATH"), t.TempDir())
	if err != nil {
		t.Skipf("no real Nix: %v", err)
	}
	dir := t.TempDir()
	srcs := []string{
		"1 + 1",
		`{ a = "x"; }`,
		`builtins.trace "noise" 3`,
		`throw "first failure"`,
		"[ 1 2 ]",
		`abort "second failure"`,
		`"last"`,
		"let x = x; in x",
	}
	var files []string
	for i, src := range srcs {
		name := fmt.Sprintf("f%d.nix", i)
		if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		files = append(files, name)
	}
	flags := []string{"--strict"}
	batched := nix.EvalFiles(t.Context(), dir, nil, flags, files)
	for i, f := range files {
		single := nix.Run(t.Context(), Invocation{Args: append(append([]string(nil), flags...), f), Dir: dir})
		if batched[i] != single {
			t.Errorf("%s (%s): batched %+v, alone %+v", f, srcs[i], batched[i], single)
		}
	}
}
