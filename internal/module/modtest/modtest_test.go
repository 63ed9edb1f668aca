package modtest

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"cairn.dev/cairn/internal/cli"
)

// casesDir is the shared case folder, relative to this package.
const casesDir = "../../../../shared/module-tests"

// evaluator runs one expression in a folder and returns standard output and
// standard error.
type evaluator struct {
	name string
	// lib is the expression giving the lib under test.
	lib string
	run func(t *testing.T, dir, expr string, json bool) (stdout, stderr []byte, err error)
}

// evaluators returns cairn's evaluator, run in-process with its embedded
// lib, and real Nix with the same lib files from disk when it is
// installed (the oracle: proves the expectations hold for the lib
// itself). CAIRN_EVAL=path runs a cairn binary instead of the in-process
// one.
func evaluators(t *testing.T) []evaluator {
	t.Helper()
	libDir, err := filepath.Abs("../lib")
	if err != nil {
		t.Fatal(err)
	}
	evs := []evaluator{{
		name: "cairn",
		lib:  "<cairn/lib>",
		run: func(t *testing.T, dir, expr string, json bool) ([]byte, []byte, error) {
			args := []string{"eval", "--strict"}
			if json {
				args = append(args, "--json")
			}
			args = append(args, "-E", expr)
			var out, errb bytes.Buffer
			env := &cli.Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb, Getenv: func(string) string { return "" }, Dir: dir}
			if code := cli.Run(t.Context(), env, args); code != 0 {
				return out.Bytes(), errb.Bytes(), fmt.Errorf("cairn eval: exit status %d", code)
			}
			return out.Bytes(), errb.Bytes(), nil
		},
	}}
	if bin := os.Getenv("CAIRN_EVAL"); bin != "" {
		abs, err := exec.LookPath(bin)
		if err == nil && strings.ContainsRune(bin, filepath.Separator) {
			abs, err = filepath.Abs(bin)
		}
		if err != nil {
			t.Fatalf("CAIRN_EVAL=%s: %v", bin, err)
		}
		evs[0].run = commandRunner(abs, "eval")
	}
	if path, err := exec.LookPath("nix-instantiate"); err == nil {
		evs = append(evs, evaluator{name: "nix", lib: libDir, run: commandRunner(path, "--eval")})
	} else {
		t.Log("nix-instantiate not installed: the lib is checked with cairn only")
	}
	return evs
}

// commandRunner runs `argv0 first --strict [--json] -E EXPR` in a folder.
func commandRunner(argv0, first string) func(t *testing.T, dir, expr string, json bool) ([]byte, []byte, error) {
	return func(t *testing.T, dir, expr string, json bool) ([]byte, []byte, error) {
		args := []string{first, "--strict"}
		if json {
			args = append(args, "--json")
		}
		args = append(args, "-E", expr)
		cmd := exec.CommandContext(t.Context(), argv0, args...)
		cmd.Dir = dir
		var out, errb bytes.Buffer
		cmd.Stdout = &out
		cmd.Stderr = &errb
		err := cmd.Run()
		return out.Bytes(), errb.Bytes(), err
	}
}

// knownFailures reads known-failures.txt: one "NAME: reason" per line,
// blank lines and #-comments ignored.
func knownFailures(t *testing.T) map[string]string {
	t.Helper()
	known := map[string]string{}
	f, err := os.Open("known-failures.txt")
	if errors.Is(err, os.ErrNotExist) {
		return known
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		name, reason, ok := strings.Cut(line, ":")
		if !ok {
			t.Fatalf("known-failures.txt:%d: want \"NAME: reason\", got %q", n, line)
		}
		known[strings.TrimSpace(name)] = strings.TrimSpace(reason)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return known
}

// firstErrorLine returns the first line of stderr that starts with "error: ".
func firstErrorLine(stderr []byte) string {
	for _, line := range strings.Split(string(stderr), "\n") {
		if strings.HasPrefix(line, "error: ") {
			return line
		}
	}
	return ""
}

// TestModuleCases runs the shared cases (expectations from real Nix with
// nixpkgs' lib at the commit named in their README).
func TestModuleCases(t *testing.T) {
	if _, err := os.Stat(casesDir); err != nil {
		t.Skipf("module cases not found: %v", err)
	}
	runCases(t, casesDir, knownFailures(t))
}

// TestOwnCases runs cairn's own differential cases in testdata/cases, whose
// expectations testdata/regenerate.sh makes with real Nix and nixpkgs' lib.
func TestOwnCases(t *testing.T) {
	runCases(t, "testdata/cases", knownFailures(t))
}

func runCases(t *testing.T, casesDir string, known map[string]string) {
	for _, ev := range evaluators(t) {
		t.Run(ev.name, func(t *testing.T) { runCasesWith(t, ev, casesDir, known) })
	}
}

func runCasesWith(t *testing.T, ev evaluator, casesDir string, known map[string]string) {
	dir, err := filepath.Abs(casesDir)
	if err != nil {
		t.Fatal(err)
	}
	files, err := filepath.Glob(filepath.Join(dir, "*.nix"))
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(files)
	if len(files) == 0 {
		t.Fatalf("no cases in %s", dir)
	}
	for _, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".nix")
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if reason, ok := known[ev.name+"/"+name]; ok {
				t.Skipf("known failure: %s", reason)
			}
			expr := "import ./" + name + ".nix (import " + ev.lib + ")"
			if strings.HasPrefix(name, "err-") {
				checkError(t, ev, dir, name, expr)
				return
			}
			checkOutput(t, ev, dir, name, expr, ".exp", false)
			checkOutput(t, ev, dir, name, expr, ".json", true)
		})
	}
}

func checkError(t *testing.T, ev evaluator, dir, name, expr string) {
	want, err := os.ReadFile(filepath.Join(dir, name+".errexp"))
	if err != nil {
		t.Fatal(err)
	}
	phrase := strings.TrimSuffix(string(want), "\n")
	stdout, stderr, err := ev.run(t, dir, expr, false)
	if err == nil {
		t.Fatalf("%s succeeded, want an error containing %q; output:\n%s", ev.name, phrase, stdout)
	}
	line := firstErrorLine(stderr)
	if !strings.Contains(line, phrase) {
		t.Errorf("%s: first error line\n\t%s\ndoes not contain\n\t%s\nstderr:\n%s", ev.name, line, phrase, stderr)
	}
}

func checkOutput(t *testing.T, ev evaluator, dir, name, expr, ext string, json bool) {
	want, err := os.ReadFile(filepath.Join(dir, name+ext))
	if errors.Is(err, os.ErrNotExist) {
		return // e.g. no .json for values JSON cannot hold
	}
	if err != nil {
		t.Fatal(err)
	}
	got, stderr, err := ev.run(t, dir, expr, json)
	if err != nil {
		t.Fatalf("%s (%s): %v\n%s", ev.name, ext, err, stderr)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s (%s) output differs\n got: %q\nwant: %q", ev.name, ext, got, want)
	}
}
