package oracle_test

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"cairn.dev/cairn/internal/cli"
	"cairn.dev/cairn/internal/nix/oracle"
)

// caseTimeout bounds one cairn evaluation; a case still running then is
// reported as a hang.
const caseTimeout = 20 * time.Second

// mode is one way of printing a value: the flags given to both
// `cairn eval` and `nix-instantiate --eval`.
type mode struct {
	name  string
	flags []string
}

func corpusModes() []mode {
	return []mode{
		{"strict", []string{"--strict"}},
		{"json", []string{"--strict", "--json"}},
		{"xml", []string{"--strict", "--xml"}},
		{"lazy", nil},
	}
}

func cairnMain(ctx context.Context, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string, dir string, args []string) int {
	return cli.Run(ctx, &cli.Env{Stdin: stdin, Stdout: stdout, Stderr: stderr, Getenv: getenv, Dir: dir}, args)
}

// sides returns the real Nix and the cairn under test, skipping the test
// when nix-instantiate is missing (`make deps` installs it).
func sides(t *testing.T) (*oracle.Nix, oracle.Runner, map[string]string) {
	t.Helper()
	home := t.TempDir()
	nix, err := oracle.FindNix(os.Getenv("PATH"), home)
	if err != nil {
		t.Skipf("no real Nix to compare with: %v", err)
	}
	version, err := nix.Version(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	cairn, desc := oracle.Select(os.Getenv(oracle.CommandVar), os.Getenv("PATH"), caseTimeout,
		oracle.InProcess{Main: cairnMain, Prefix: []string{"eval"}})
	t.Logf("comparing %s with %s", desc, version)
	env := map[string]string{
		"HOME":             home,
		"NIX_PATH":         "",
		"NIX_STORE_DIR":    "/nix/store",
		"CAIRN_ORACLE_VAR": "value",
	}
	return nix, cairn, env
}

// TestCorpus evaluates every testdata/corpus/*.nix with Nix and cairn in
// each printing mode (lazy, --strict, --strict --json, --strict --xml);
// the outputs must be identical, and where Nix fails cairn must fail with
// the same exit status (1).
func TestCorpus(t *testing.T) {
	nix, cairn, env := sides(t)
	dir, err := filepath.Abs(filepath.Join("testdata", "corpus"))
	if err != nil {
		t.Fatal(err)
	}
	paths, err := filepath.Glob(filepath.Join(dir, "*.nix"))
	if err != nil {
		t.Fatal(err)
	}
	var files []string
	for _, p := range paths {
		files = append(files, filepath.Base(p))
	}
	var cases []diffCase
	for _, m := range corpusModes() {
		want := nix.EvalFiles(t.Context(), dir, env, m.flags, files)
		for i, f := range files {
			cases = append(cases, diffCase{
				name: m.name + "/" + strings.TrimSuffix(f, ".nix"),
				inv:  oracle.Invocation{Args: append(append([]string(nil), m.flags...), f), Dir: dir, Env: env},
				want: want[i],
			})
		}
	}
	compareAll(t, cairn, cases, filepath.Join("testdata", "corpus-known-failures.txt"))
}

// TestGenerated evaluates random well-typed expressions (seed
// CAIRN_ORACLE_SEED, default 1; count CAIRN_ORACLE_N, default 300) with Nix
// and cairn, printed with --strict and with --strict --json.
func TestGenerated(t *testing.T) {
	nix, cairn, env := sides(t)
	seed, n := uint64(1), 300
	if s := os.Getenv("CAIRN_ORACLE_SEED"); s != "" {
		v, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatalf("CAIRN_ORACLE_SEED: %v", err)
		}
		seed = v
	}
	if s := os.Getenv("CAIRN_ORACLE_N"); s != "" {
		v, err := strconv.Atoi(s)
		if err != nil {
			t.Fatalf("CAIRN_ORACLE_N: %v", err)
		}
		n = v
	}
	dir := t.TempDir()
	exprs := oracle.Generate(seed, n)
	files := make([]string, len(exprs))
	for i, e := range exprs {
		files[i] = fmt.Sprintf("%04d.nix", i)
		if err := os.WriteFile(filepath.Join(dir, files[i]), []byte(e+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var cases []diffCase
	for _, m := range []mode{{"strict", []string{"--strict"}}, {"json", []string{"--strict", "--json"}}} {
		want := nix.EvalFiles(t.Context(), dir, env, m.flags, files)
		for i, f := range files {
			if want[i].Code != 0 {
				// The generator promises well-typed expressions.
				t.Errorf("generator bug: Nix fails on seed %d case %d: %s\n%s", seed, i, oracle.FirstLine(want[i].Stderr), exprs[i])
				continue
			}
			cases = append(cases, diffCase{
				name:   fmt.Sprintf("%s/%04d", m.name, i),
				inv:    oracle.Invocation{Args: append(append([]string(nil), m.flags...), f), Dir: dir, Env: env},
				want:   want[i],
				source: exprs[i],
			})
		}
	}
	compareAll(t, cairn, cases, filepath.Join("testdata", "gen-known-failures.txt"))
}

// diffCase is one evaluation compared between Nix (want) and cairn.
type diffCase struct {
	name   string
	inv    oracle.Invocation
	want   oracle.Result
	source string // shown on failure when the file is temporary
}

// compare judges cairn's result against Nix's. It returns "" when they
// agree: the same exit status, and when Nix succeeds the same stdout and
// stderr (trace output). When both fail, exactError tells whether stdout
// and the error message matched byte for byte too.
func compare(got, want oracle.Result) (why string, exactError bool) {
	switch {
	case got.Hung:
		return fmt.Sprintf("no answer within %v (hang)", caseTimeout), false
	case want.Code == 0 && got.Code != 0:
		return fmt.Sprintf("exit %d, Nix exits 0: %s", got.Code, oracle.FirstLine(got.Stderr)), false
	case want.Code != 0 && got.Code != want.Code:
		return fmt.Sprintf("exit %d, Nix exits %d with %s", got.Code, want.Code, oracle.FirstLine(want.Stderr)), false
	case want.Code != 0:
		// Both fail. What Nix printed before failing (half a JSON
		// document, say) and the message text only count as exact.
		return "", got.Stdout == want.Stdout && got.Stderr == want.Stderr
	case got.Stdout != want.Stdout:
		return "stdout " + oracle.FirstDiff(got.Stdout, want.Stdout), false
	case got.Stderr != want.Stderr:
		return "stderr " + oracle.FirstDiff(got.Stderr, want.Stderr), false
	}
	return "", false
}

// compareAll runs every case with cairn, fails the test on a difference
// not listed in the known-failures file, logs listed cases that agree now,
// and rewrites the list when CAIRN_UPDATE=1.
func compareAll(t *testing.T, cairn oracle.Runner, cases []diffCase, knownPath string) {
	known, err := oracle.ReadKnown(knownPath)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	results := map[string]string{} // case name to "" or what differs
	failing := 0
	var errorsTotal, errorsExact int
	t.Run("case", func(t *testing.T) {
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				t.Parallel()
				got := cairn.Run(t.Context(), c.inv)
				why, exact := compare(got, c.want)
				why = strings.ReplaceAll(why, c.inv.Dir+"/", "") // paths relative to the case
				mu.Lock()
				results[c.name] = why
				if why != "" {
					failing++
				}
				if c.want.Code != 0 {
					errorsTotal++
					if exact {
						errorsExact++
					}
				}
				mu.Unlock()
				_, listed := known[c.name]
				switch {
				case why != "" && !listed:
					msg := fmt.Sprintf("cairn and Nix differ (%s): %s", strings.Join(c.inv.Args, " "), why)
					if c.source != "" {
						msg += "\nexpression: " + c.source
					}
					t.Error(msg)
				case why == "" && listed:
					t.Logf("agrees with Nix now: remove it from %s", knownPath)
				}
			})
		}
	})
	t.Logf("%d cases: %d agree with Nix, %d differ; of %d errors, %d messages match byte for byte",
		len(results), len(results)-failing, failing, errorsTotal, errorsExact)
	var nowPassing []string
	for name := range known {
		if why, ran := results[name]; ran && why == "" {
			nowPassing = append(nowPassing, name)
		}
	}
	if len(nowPassing) > 0 {
		sort.Strings(nowPassing)
		t.Logf("%d listed cases agree now (CAIRN_UPDATE=1 shrinks %s): %s", len(nowPassing), knownPath, strings.Join(nowPassing, " "))
	}
	if os.Getenv("CAIRN_UPDATE") == "1" {
		header := "Cases where cairn and Nix differ today: NAME<TAB>reason.\nCAIRN_UPDATE=1 go test ./internal/nix/oracle rewrites this file."
		if err := known.Update(results).Write(knownPath, header); err != nil {
			t.Fatal(err)
		}
	}
}
