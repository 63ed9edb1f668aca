package langtest

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"cairn.dev/cairn/internal/cli"
	"cairn.dev/cairn/internal/nix/oracle"
)

// knownFile lists the cases expected to fail, NAME<TAB>reason.
const knownFile = "known-failures.txt"

const knownHeader = `Upstream language cases cairn fails today: NAME<TAB>reason.
CAIRN_UPDATE=1 go test ./internal/nix/langtest rewrites this file.
"Nix 2.8 fails it too" marks cases that nix-instantiate 2.8 fails in the
same harness (CAIRN_EVAL_CMD="nix-instantiate --eval --readonly-mode").`

// caseTimeout bounds one evaluation; a case still running then is a hang.
const caseTimeout = 20 * time.Second

// suiteDir is the upstream suite, beside the repository.
const suiteDir = "../../../../shared/nix-lang-tests"

// The four kinds of case, in the order the summary prints them.
const (
	evalOkay  = "eval-okay"
	evalFail  = "eval-fail"
	parseOkay = "parse-okay"
	parseFail = "parse-fail"
)

func kinds() []string { return []string{evalOkay, evalFail, parseOkay, parseFail} }

// step is one invocation of a case and what it must print.
type step struct {
	inv        oracle.Invocation
	wantCode   int
	wantStdout *string // nil: not compared
	wantStderr *string // nil: not compared
	// strict: a stdout/stderr mismatch fails the case (eval-okay);
	// otherwise it only makes the case inexact (error messages).
	strict bool
}

// testCase is one file of the suite.
type testCase struct {
	name  string // file name without .nix
	kind  string
	steps []step
}

// outcome is the verdict on one case.
type outcome struct {
	pass  bool   // passes by the suite's criterion
	exact bool   // every output matches upstream byte for byte
	why   string // first line of the difference, when !pass
}

func cairnMain(ctx context.Context, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string, dir string, args []string) int {
	return cli.Run(ctx, &cli.Env{Stdin: stdin, Stdout: stdout, Stderr: stderr, Getenv: getenv, Dir: dir}, args)
}

func TestUpstreamSuite(t *testing.T) {
	dir, err := filepath.Abs(suiteDir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "README.md")); err != nil {
		t.Skipf("upstream suite not found beside the repository: %v", err)
	}
	if dir, err = suiteCopy(t, dir); err != nil {
		t.Fatal(err)
	}
	runner, desc := oracle.Select(os.Getenv(oracle.CommandVar), os.Getenv("PATH"), caseTimeout,
		oracle.InProcess{Main: cairnMain, Prefix: []string{"eval"}})
	cases, err := loadCases(dir)
	if err != nil {
		t.Fatal(err)
	}
	known, err := oracle.ReadKnown(knownFile)
	if err != nil {
		t.Fatal(err)
	}

	var mu sync.Mutex
	outcomes := make(map[string]outcome, len(cases))
	t.Run("case", func(t *testing.T) {
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				t.Parallel()
				o := runCase(t.Context(), runner, dir, c)
				mu.Lock()
				outcomes[c.name] = o
				mu.Unlock()
				_, listed := known[c.name]
				switch {
				case !o.pass && !listed:
					t.Errorf("fails and is not in %s: %s", knownFile, o.why)
				case o.pass && listed:
					t.Logf("passes now: remove it from %s", knownFile)
				}
			})
		}
	})

	// Only the cases that ran count (go test -run may select a few).
	var ran []testCase
	for _, c := range cases {
		if _, ok := outcomes[c.name]; ok {
			ran = append(ran, c)
		}
	}
	summary := summarize(desc, ran, outcomes)
	t.Log("\n" + summary)
	if path := os.Getenv("CAIRN_LANGTEST_SUMMARY"); path != "" {
		if err := os.WriteFile(path, []byte(summary), 0o644); err != nil {
			t.Error(err)
		}
	}
	var nowPassing []string
	for name := range known {
		if o, ok := outcomes[name]; ok && o.pass {
			nowPassing = append(nowPassing, name)
		}
	}
	if len(nowPassing) > 0 {
		sort.Strings(nowPassing)
		t.Logf("%d listed cases pass now (CAIRN_UPDATE=1 shrinks %s): %s", len(nowPassing), knownFile, strings.Join(nowPassing, " "))
	}
	if os.Getenv("CAIRN_UPDATE") == "1" {
		results := map[string]string{}
		for name, o := range outcomes {
			results[name] = o.why // "" when it passes
		}
		if err := known.Update(results).Write(knownFile, knownHeader); err != nil {
			t.Fatal(err)
		}
		t.Logf("rewrote %s", knownFile)
	}
	checkThresholds(t, ran, outcomes)
}

// checkThresholds enforces what cairn promises about the suite.
func checkThresholds(t *testing.T, cases []testCase, outcomes map[string]outcome) {
	total, pass := map[string]int{}, map[string]int{}
	for _, c := range cases {
		total[c.kind]++
		if outcomes[c.name].pass {
			pass[c.kind]++
		}
	}
	if total[evalOkay] > 0 && pass[evalOkay]*10 < total[evalOkay]*9 {
		t.Errorf("eval-okay: %d of %d pass, below the required 90%%", pass[evalOkay], total[evalOkay])
	}
	for _, k := range []string{parseOkay, parseFail, evalFail} {
		if pass[k] != total[k] {
			t.Errorf("%s: %d of %d pass, every one is required", k, pass[k], total[k])
		}
	}
}

// loadCases lists the suite's cases the way upstream's lang.sh does.
func loadCases(dir string) ([]testCase, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("reading suite: %w", err)
	}
	env := map[string]string{
		"TEST_VAR":      "foo",
		"NIX_STORE_DIR": "/nix/store",
		"NIX_PATH":      "dir3:dir4",
		"HOME":          "/fake-home",
	}
	read := func(name string) (*string, error) {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if os.IsNotExist(err) {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		s := string(b)
		return &s, nil
	}
	var cases []testCase
	for _, e := range ents {
		file := e.Name()
		name, ok := strings.CutSuffix(file, ".nix")
		if !ok {
			continue
		}
		kind := ""
		for _, k := range kinds() {
			if strings.HasPrefix(name, k+"-") {
				kind = k
			}
		}
		if kind == "" {
			continue
		}
		if _, err := os.Stat(filepath.Join(dir, name+".exp-disabled")); err == nil {
			continue
		}
		exp, err1 := read(name + ".exp")
		errExp, err2 := read(name + ".err.exp")
		xml, err3 := read(name + ".exp.xml")
		flagText, err4 := read(name + ".flags")
		src, err5 := read(file)
		for _, err := range []error{err1, err2, err3, err4, err5} {
			if err != nil {
				return nil, err
			}
		}
		var flags []string
		if flagText != nil {
			flags = strings.Fields(strings.ReplaceAll(*flagText, "lang/", "./"))
		}
		c := testCase{name: name, kind: kind}
		switch kind {
		case parseOkay:
			c.steps = []step{{inv: oracle.Invocation{Args: []string{"-"}, Stdin: *src}, wantCode: 0}}
		case parseFail:
			c.steps = []step{{inv: oracle.Invocation{Args: []string{"-"}, Stdin: *src}, wantCode: 1, wantStderr: errExp}}
		case evalOkay:
			if exp != nil {
				args := append(append([]string(nil), flags...), "--strict", file)
				c.steps = append(c.steps, step{inv: oracle.Invocation{Args: args}, wantStdout: exp, wantStderr: errExp, strict: true})
			}
			if xml != nil {
				args := []string{"--xml", "--no-location", "--strict", file}
				c.steps = append(c.steps, step{inv: oracle.Invocation{Args: args}, wantStdout: xml, strict: true})
			}
		case evalFail:
			args := []string{"--strict", "--show-trace"}
			if flags != nil {
				// A flags file that names --eval replaces the defaults;
				// otherwise its flags come in addition to them.
				args = args[:0]
				if !slices.Contains(flags, "--eval") {
					args = append(args, "--strict", "--show-trace")
				}
				for _, f := range flags {
					if f != "--eval" {
						args = append(args, f)
					}
				}
			}
			c.steps = []step{{inv: oracle.Invocation{Args: append(args, file)}, wantCode: 1, wantStderr: errExp}}
		}
		if len(c.steps) == 0 {
			continue
		}
		for i := range c.steps {
			c.steps[i].inv.Dir = dir
			c.steps[i].inv.Env = env
		}
		cases = append(cases, c)
	}
	return cases, nil
}

// runCase runs every step of c and judges the outputs.
func runCase(ctx context.Context, r oracle.Runner, dir string, c testCase) outcome {
	o := outcome{pass: true, exact: true}
	fail := func(why string) {
		if o.pass {
			o.why = why
		}
		o.pass, o.exact = false, false
	}
	for _, s := range c.steps {
		res := r.Run(ctx, s.inv)
		// Upstream writes its working directory as /pwd; the suite
		// folder is its lang/ (and `../x` from there is /pwd/x).
		pwd := strings.NewReplacer(dir+"/", "/pwd/lang/", filepath.Dir(dir)+"/", "/pwd/")
		stdout := pwd.Replace(res.Stdout)
		stderr := pwd.Replace(res.Stderr)
		if c.kind == evalFail {
			if _, err := os.Stat(filepath.Join(dir, c.name+".postprocess")); err == nil {
				stderr = postprocess(stderr)
			}
		}
		switch {
		case res.Hung:
			fail(fmt.Sprintf("no answer within %v (hang)", caseTimeout))
			continue
		case res.Code != s.wantCode:
			fail(strings.TrimSuffix(fmt.Sprintf("exit %d, want %d: %s", res.Code, s.wantCode, oracle.FirstLine(stderr)), ": "))
			continue
		}
		if s.wantStdout != nil && stdout != *s.wantStdout {
			if s.strict {
				fail("stdout: " + oracle.FirstDiff(stdout, *s.wantStdout))
			}
			o.exact = false
		}
		if s.wantStderr != nil && stderr != *s.wantStderr {
			if s.strict {
				fail("stderr: " + oracle.FirstDiff(stderr, *s.wantStderr))
			}
			o.exact = false
		}
	}
	return o
}

// suiteSymlinks are the upstream suite's symbolic links (path, target).
// A copy of the suite made without symlinks holds each as a regular file
// whose content is its target, as git does; suiteCopy restores them.
var suiteSymlinks = [][2]string{
	{"readDir/ldir", "foo"},
	{"readDir/linked", "foo/git-hates-directories"},
	{"symlink-resolution/foo/overlays", "../overlays"},
	{"symlink-resolution/broken", "nonexistent"},
}

// suiteCopy copies the suite into a temporary folder named lang (as in
// upstream's tree) and restores its symbolic links where they were
// flattened into files; the suite itself is left untouched.
func suiteCopy(t *testing.T, src string) (string, error) {
	dst := filepath.Join(t.TempDir(), "lang")
	if err := os.CopyFS(dst, os.DirFS(src)); err != nil {
		return "", err
	}
	for _, l := range suiteSymlinks {
		p := filepath.Join(dst, l[0])
		b, err := os.ReadFile(p)
		if err != nil || strings.TrimSpace(string(b)) != l[1] {
			continue // already a link, or not this suite's layout
		}
		if err := os.Remove(p); err != nil {
			return "", err
		}
		if err := os.Symlink(l[1], p); err != nil {
			return "", err
		}
	}
	return dst, nil
}

// postprocess does what eval-fail-derivation-name.postprocess does to
// stderr: line numbers of upstream's derivation.nix become <number>.
func postprocess(s string) string {
	s = regexp.MustCompile(`[0-9 ][0-9 ][0-9 ][0-9 ][0-9 ][0-9 ][0-9 ][0-9]([^0-9])`).ReplaceAllString(s, "<number>$1")
	return regexp.MustCompile(`[0-9][0-9]*`).ReplaceAllString(s, "<number>")
}

// summarize prints the pass rate per kind.
func summarize(desc string, cases []testCase, outcomes map[string]outcome) string {
	total, pass, exact := map[string]int{}, map[string]int{}, map[string]int{}
	for _, c := range cases {
		o := outcomes[c.name]
		total[c.kind]++
		if o.pass {
			pass[c.kind]++
		}
		if o.exact {
			exact[c.kind]++
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "upstream Nix language suite, %d cases, run by %s\n", len(cases), desc)
	fmt.Fprintf(&b, "%-11s %6s %6s %7s %15s\n", "kind", "cases", "pass", "rate", "exact output")
	for _, k := range kinds() {
		rate := 0.0
		if total[k] > 0 {
			rate = 100 * float64(pass[k]) / float64(total[k])
		}
		fmt.Fprintf(&b, "%-11s %6d %6d %6.1f%% %15d\n", k, total[k], pass[k], rate, exact[k])
	}
	b.WriteString("(pass: eval-okay prints the expected output; parse-okay exits 0; parse-fail and eval-fail exit 1.\n exact: stdout and stderr equal upstream's byte for byte.)\n")
	return b.String()
}
