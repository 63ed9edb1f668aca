package modtest

import (
	"bufio"
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// casesDir is the shared case folder, relative to this package.
const casesDir = "../../../../shared/module-tests"

// evaluator runs one expression in a folder and returns standard output and
// standard error.
type evaluator struct {
	name string
	argv func(expr string, json bool) []string
}

func pickEvaluator(t *testing.T) evaluator {
	t.Helper()
	if cairn := os.Getenv("CAIRN_EVAL"); cairn != "" {
		// A bare name is looked up in PATH; a path is made absolute
		// because the command runs in the cases folder.
		abs, err := exec.LookPath(cairn)
		if err == nil && strings.ContainsRune(cairn, filepath.Separator) {
			abs, err = filepath.Abs(cairn)
		}
		if err != nil {
			t.Fatalf("CAIRN_EVAL=%s: %v", cairn, err)
		}
		return evaluator{
			name: "cairn eval",
			argv: func(expr string, json bool) []string {
				args := []string{abs, "eval", "--strict"}
				if json {
					args = append(args, "--json")
				}
				return append(args, "-E", expr)
			},
		}
	}
	path, err := exec.LookPath("nix-instantiate")
	if err != nil {
		t.Skip("nix-instantiate not installed and CAIRN_EVAL not set")
	}
	return evaluator{
		name: "nix-instantiate",
		argv: func(expr string, json bool) []string {
			args := []string{path, "--eval", "--strict"}
			if json {
				args = append(args, "--json")
			}
			return append(args, "-E", expr)
		},
	}
}

func (e evaluator) run(t *testing.T, dir, expr string, json bool) (stdout, stderr []byte, err error) {
	t.Helper()
	argv := e.argv(expr, json)
	cmd := exec.CommandContext(t.Context(), argv[0], argv[1:]...)
	cmd.Dir = dir
	var out, errb bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &errb
	err = cmd.Run()
	return out.Bytes(), errb.Bytes(), err
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
	runCases(t, "testdata/cases", nil)
}

func runCases(t *testing.T, casesDir string, known map[string]string) {
	ev := pickEvaluator(t)
	dir, err := filepath.Abs(casesDir)
	if err != nil {
		t.Fatal(err)
	}
	libDir, err := filepath.Abs("../lib")
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
			if reason, ok := known[name]; ok {
				t.Skipf("known failure: %s", reason)
			}
			expr := "import ./" + name + ".nix (import " + libDir + ")"
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
